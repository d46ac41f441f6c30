"""NEEDED entries and required symbol versions of an ELF shared object (ELF64 little-endian, x86_64),
read from its dynamic section: what a layer's native libraries ask the dynamic loader for."""
from __future__ import annotations

import struct
from pathlib import Path
from typing import Dict, List, Set, Tuple

DT_NEEDED, DT_STRTAB, DT_VERNEED, DT_VERNEEDNUM = 1, 5, 0x6FFFFFFE, 0x6FFFFFFF
SHT_DYNAMIC = 6
ELF_MAGIC = b"\x7fELF"


class NotElfError(ValueError):
    """Not an ELF64 little-endian file."""


def is_elf(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == ELF_MAGIC


def _read(path: Path) -> Tuple[bytes, Dict[int, int], List[int]]:
    """The file's bytes, its dynamic entries (first of each tag) and its DT_NEEDED string offsets."""
    data = Path(path).read_bytes()
    if data[:4] != ELF_MAGIC or data[4] != 2 or data[5] != 1:
        raise NotElfError(f"{path}: not an ELF64 little-endian file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = []
    for i in range(shnum):
        base = shoff + i * shentsize
        sh_type, = struct.unpack_from("<I", data, base + 4)
        sh_addr, sh_offset, sh_size = struct.unpack_from("<QQQ", data, base + 16)
        sections.append((sh_type, sh_addr, sh_offset, sh_size))
    dynamic: Dict[int, int] = {}
    needed_offsets: List[int] = []
    for sh_type, _addr, offset, size in sections:
        if sh_type != SHT_DYNAMIC:
            continue
        for pos in range(offset, offset + size, 16):
            tag, value = struct.unpack_from("<qQ", data, pos)
            if tag == 0:
                break
            if tag == DT_NEEDED:
                needed_offsets.append(value)
            else:
                dynamic.setdefault(tag, value)
    return data, dynamic, needed_offsets


def _file_offset(data: bytes, address: int) -> int:
    """A virtual address as a file offset, through the section that holds it."""
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    for i in range(shnum):
        base = shoff + i * shentsize
        sh_addr, sh_offset, sh_size = struct.unpack_from("<QQQ", data, base + 16)
        if sh_addr and sh_addr <= address < sh_addr + sh_size:
            return sh_offset + (address - sh_addr)
    raise NotElfError(f"address {address:#x} is in no section")


def _string(data: bytes, at: int) -> str:
    return data[at:data.index(b"\0", at)].decode("ascii")


def needed(path: Path) -> List[str]:
    """The libraries the object names as DT_NEEDED, in order."""
    data, dynamic, entries = _read(path)
    strtab = _file_offset(data, dynamic[DT_STRTAB])
    return [_string(data, strtab + o) for o in entries]


def required_versions(path: Path) -> Dict[str, Set[str]]:
    """Symbol versions the object requires, by library (its DT_VERNEED records): e.g. libc.so.6 -> {GLIBC_2.27}."""
    data, dynamic, _ = _read(path)
    out: Dict[str, Set[str]] = {}
    if DT_VERNEED not in dynamic:
        return out
    strtab = _file_offset(data, dynamic[DT_STRTAB])
    pos = _file_offset(data, dynamic[DT_VERNEED])
    for _ in range(dynamic.get(DT_VERNEEDNUM, 0)):
        _version, count, file_name, aux, nxt = struct.unpack_from("<HHIII", data, pos)
        library = out.setdefault(_string(data, strtab + file_name), set())
        apos = pos + aux
        for _ in range(count):
            _hash, _flags, _other, name, anext = struct.unpack_from("<IHHII", data, apos)
            library.add(_string(data, strtab + name))
            apos += anext
        if not nxt:
            break
        pos += nxt
    return out
