/* host_pci.c: the host port's PCI: one simulated function (00:03.0) with a memory BAR and MSI-X. */
#include "karch.h"

#include <arch.h>
#include <string.h>
#include <warp/error.h>

#define BAR0_SIZE 0x4000u
#define MSIX_CAP 0x40

static uint8_t cfg[4096];
static bool cfg_ready;

/* Power-on state of the function's configuration space. */
static void cfg_init(void)
{
    const uint32_t words[][2] = {
        {0x00, 0x10001af4},         /* vendor, device */
        {0x04, 0x00100000},         /* status: capability list */
        {0x08, 0x02000000},         /* class: ethernet */
        {0x10, KARCH_BAR0},         /* BAR0: 32-bit memory */
        {0x34, MSIX_CAP},           /* capabilities */
        {0x3c, 0x0000010b},         /* interrupt pin A, line 11 */
        {MSIX_CAP, 0x00030011},     /* MSI-X, last capability, 4 entries, disabled */
        {MSIX_CAP + 4, 0x00000000}, /* table in BAR0 at 0 */
        {MSIX_CAP + 8, 0x00002000}, /* pending bits in BAR0 at 0x2000 */
    };
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        memcpy(&cfg[words[i][0]], &words[i][1], 4);
    cfg_ready = true;
}

uint32_t arch_pci_read(uint8_t bus, uint8_t slot, uint8_t fn, uint16_t off, uint8_t width)
{
    if (bus || slot != KARCH_PCI_SLOT || fn)
        return width == 4 ? 0xffffffff : (1u << (width * 8)) - 1;
    if (!cfg_ready)
        cfg_init();
    uint32_t v = 0;
    memcpy(&v, &cfg[off], width);
    return v;
}

void arch_pci_write(uint8_t bus, uint8_t slot, uint8_t fn, uint16_t off, uint8_t width, uint32_t v)
{
    if (bus || slot != KARCH_PCI_SLOT || fn)
        return;
    if (!cfg_ready)
        cfg_init();
    if (off == 0x10 && width == 4)
        v = (v & ~(BAR0_SIZE - 1)) & ~0xfu; /* sizing: only the address bits above the size stick */
    else if (off < 0x04 || (off >= 0x14 && off < 0x28) || off == 0x08)
        return; /* read-only: ids, class, the unimplemented BARs */
    memcpy(&cfg[off], &v, width);
}

void arch_msi_message(uint32_t vector, uint64_t *address, uint32_t *data)
{
    *address = 0xfee00000ull;
    *data = vector;
}

long arch_intx_route(uint8_t line, uint32_t vector, uint32_t *gsi_out)
{
    (void)vector;
    *gsi_out = line;
    return 0;
}

void arch_intx_mask(uint32_t gsi, bool masked)
{
    (void)gsi, (void)masked;
}
