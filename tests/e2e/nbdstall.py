"""tests/e2e/nbdstall.py: a minimal NBD server over a file that stalls the first reads of one sector.

QEMU offers no other way to make one virtio-blk request hang (blkdebug fails requests, it cannot
delay them; a request blkdebug suspends would hang QEMU's device reset, which drains it). QEMU's NBD
client attaches to this server on a Unix socket; the server serves a raw disk file (fixed newstyle
handshake, NBD_OPT_GO, simple replies; READ, WRITE, FLUSH, DISC, one request at a time) and answers
each of the first `times` READs that touch the stall sector only after `stall` seconds (a driver that
reads again after a reset meets the next one). Later requests wait behind it, as on a disk that hangs.
"""

import os
import socket
import struct
import threading
import time

NBDMAGIC = b"NBDMAGIC"
IHAVEOPT = 0x49484156454F5054
OPT_REPLY_MAGIC = 0x3E889045565A9
REQUEST_MAGIC = 0x25609513
SIMPLE_REPLY_MAGIC = 0x67446698
FLAG_FIXED_NEWSTYLE, FLAG_NO_ZEROES = 1, 2
OPT_EXPORT_NAME, OPT_ABORT, OPT_GO = 1, 2, 7
REP_ACK, REP_INFO, REP_ERR_UNSUP = 1, 3, 0x80000001
INFO_EXPORT = 0
TFLAG_HAS_FLAGS, TFLAG_SEND_FLUSH = 1, 4
CMD_READ, CMD_WRITE, CMD_DISC, CMD_FLUSH = 0, 1, 2, 3
EINVAL = 22


class NbdStall:
    """Serves path on a Unix socket at sock_path; the first `times` reads touching stall_sector wait
    stall seconds each."""

    def __init__(self, sock_path, path, stall_sector, stall, times=1, sector=512):
        self.path, self.stall_offset, self.stall, self.sector = path, stall_sector * sector, stall, sector
        self.times = times
        self.stalled = 0  # reads held back so far
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(sock_path)
        self.listener.listen(1)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def close(self):
        """Stops listening (the serving thread ends with QEMU's connection)."""
        self.listener.close()

    def serve(self):
        """Serves one client: the handshake, then its requests until it disconnects."""
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        with conn, open(self.path, "r+b") as disk:
            size = os.fstat(disk.fileno()).st_size
            try:
                if self.handshake(conn, size):
                    self.transmit(conn, disk)
            except (OSError, EOFError):
                pass

    def handshake(self, conn, size):
        """Fixed newstyle negotiation; True once the client chose the export with NBD_OPT_GO."""
        conn.sendall(NBDMAGIC + struct.pack(">QH", IHAVEOPT, FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES))
        recv_exact(conn, 4)  # client flags
        tflags = TFLAG_HAS_FLAGS | TFLAG_SEND_FLUSH
        while True:
            magic, opt, length = struct.unpack(">QII", recv_exact(conn, 16))
            recv_exact(conn, length)
            if magic != IHAVEOPT or opt == OPT_ABORT:
                return False
            if opt == OPT_EXPORT_NAME:
                conn.sendall(struct.pack(">QH", size, tflags))
                return True
            if opt == OPT_GO:
                info = struct.pack(">HQH", INFO_EXPORT, size, tflags)
                conn.sendall(struct.pack(">QIII", OPT_REPLY_MAGIC, opt, REP_INFO, len(info)) + info)
                conn.sendall(struct.pack(">QIII", OPT_REPLY_MAGIC, opt, REP_ACK, 0))
                return True
            conn.sendall(struct.pack(">QIII", OPT_REPLY_MAGIC, opt, REP_ERR_UNSUP, 0))

    def transmit(self, conn, disk):
        """Requests in order; the first `times` READs over the stall sector are answered stall seconds late."""
        while True:
            magic, _flags, cmd, handle, offset, length = struct.unpack(">IHHQQI", recv_exact(conn, 28))
            if magic != REQUEST_MAGIC or cmd == CMD_DISC:
                return
            data, error = b"", 0
            if cmd == CMD_READ:
                if self.stalled < self.times and offset <= self.stall_offset < offset + length:
                    self.stalled += 1
                    time.sleep(self.stall)
                disk.seek(offset)
                data = disk.read(length)
            elif cmd == CMD_WRITE:
                payload = recv_exact(conn, length)
                disk.seek(offset)
                disk.write(payload)
            elif cmd == CMD_FLUSH:
                disk.flush()
            else:
                error = EINVAL
            conn.sendall(struct.pack(">IIQ", SIMPLE_REPLY_MAGIC, error, handle) + data)


def recv_exact(conn, n):
    """n bytes from conn, or EOFError."""
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf
