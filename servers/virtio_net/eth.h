/* eth.h: the service/ethernet sessions (eth.c): READ received frames, WRITE frames, GETATTR the MAC. */
#pragma once

#include <warp/loop.h>

/* Registers service/ethernet with init and serves its sessions from l (service_start's result). */
long eth_start(struct loop *l);
/* A received frame, for every session (to a waiting READ, or its queue); a nic_client's on_frame. */
void eth_deliver(const uint8_t *frame, uint32_t len);
/* The device's ready frames are all handed on: partly filled READs are answered; a nic_client's
 * on_rx_done. */
void eth_rx_done(void);
/* Whether a frame can be handed on without a loss now; a nic_client's can_take. */
bool eth_can_take(void);
/* Tx slots were freed: serves WRITE calls that waited for one; a nic_client's on_tx_space. */
void eth_tx_space(void);
