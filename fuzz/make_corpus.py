#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into fuzz/corpus/NAME/:
a few valid inputs of each format, so that the fuzzer starts from files
that pass the checks. The files are committed; rerun after a format
changes: python3 fuzz/make_corpus.py"""
import gzip
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def fnv1a64(data, seed=0):
    h = 1469598103934665603 ^ seed
    for b in data:
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def layer_file(params):
    """params: (id, shape, values) records of a conv layer (kind 0)."""
    body = b"ADSLAYR\0" + struct.pack("<III", 1, 0, len(params))
    for pid, shape, values in params:
        body += struct.pack("<II", pid, len(shape)) + struct.pack("<%dq" % len(shape), *shape)
        body += struct.pack("<%df" % len(values), *values)
    return body


# fuzz_layer_file: the layout of fuzz_layer_file.c (weight 4x2x3x3, bias 4,
# v_rows 2, v_cols 2). A first byte 0xF1 asks the target to append the
# checksum (fuzz_layer_file.c); the file's magic starts otherwise.
records = [(0, (4, 2, 3, 3), [0.01 * i for i in range(72)]), (1, (4,), [0.5, -0.5, 1, 0]),
           (2, (2,), [0.25, -1]), (3, (2,), [2, 3])]
body = layer_file(records)
write("layer_file", "valid.layer", body + struct.pack("<Q", fnv1a64(body)))
write("layer_file", "fixup.layer", b"\xf1" + body)
write("layer_file", "fixup_two_params.layer", b"\xf1" + layer_file(records[:2]))

# fuzz_idx: gzip and plain IDX images and labels, and two gzip members.
images = struct.pack(">IIII", 0x803, 2, 3, 4) + bytes(range(24))
labels = struct.pack(">II", 0x801, 3) + bytes([1, 9, 0])
write("idx", "images.gz", gzip.compress(images, mtime=0))
write("idx", "labels.gz", gzip.compress(labels, mtime=0))
write("idx", "images_plain", images)
write("idx", "two_members.gz", gzip.compress(images[:10], mtime=0) +
      gzip.compress(images[10:], mtime=0))

# fuzz_disk_cache: an entry for fuzz_disk_cache.c's key, as is and to be
# fixed up by the target.
key = b"fuzz key: source hash, options, device, driver"
binary = b"\x7fELF a program binary" + bytes(range(40))
total = fnv1a64(binary, fnv1a64(key, 0x5eed))
entry = b"ADSPROG\0" + struct.pack("<IIQQ", 1, len(key), len(binary), total) + key + binary
write("disk_cache", "valid.bin", entry)
write("disk_cache", "fixup.bin", b"\xf1" + binary)

# fuzz_device_spec: terms of every kind.
for i, spec in enumerate([b"gpu", b"0:1", b"cpu, 1:0", b"all", b"NVIDIA", b"pocl,0:0",
                          b"accelerator", b"1:0,1:1,1:2", b""]):
    write("device_spec", "spec%d" % i, spec)

# fuzz_env: first byte picks the device count and the cache folder's role.
for i, value in enumerate([b"\x01256M", b"\x013,1", b"\x020.5,1,2", b"\x0064KB", b"\x003",
                           b"\x09/tmp/cache", b"\x0a/home/user", b"\x01off", b"\x011e12,0"]):
    write("env", "env%d" % i, value)

# fuzz_checkpoint: config "fuzz", two host numbers, tensors of 3 and 5.
ck = b"ADSCKPT\0" + struct.pack("<II", 1, 4) + b"fuzz" + struct.pack("<Q", 2)
ck += struct.pack("<2d", 3.0, 0.25) + struct.pack("<I", 2)
ck += struct.pack("<Q3f", 3, 1, 2, 3) + struct.pack("<Q5f", 5, 1, 2, 3, 4, 5)
write("checkpoint", "valid.ckpt", ck + struct.pack("<I", zlib.crc32(ck)))
write("checkpoint", "fixup.ckpt", b"\xf1" + ck)
