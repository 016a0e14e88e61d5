"""Prints the variant (qrt_isa_t) of every int8 packed buffer in a file, one a
line: the buffers begin with the magic "Q8WP" (runtime/src/
q8_conv_gemm_internal.h: uint32 magic, int32 kind, int32 variant, ...), at
64-byte aligned offsets. Used on a weights file (--weights-file)."""
import struct
import sys

data = open(sys.argv[1], "rb").read()
for off in range(0, len(data) - 12, 64):
    if data[off:off + 4] == struct.pack("<I", 0x50573851):
        print(struct.unpack_from("<i", data, off + 8)[0])
