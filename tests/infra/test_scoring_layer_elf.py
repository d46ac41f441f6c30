"""Every native library of the scoring layer finds what it links: each DT_NEEDED entry of each ELF
file in the bundle is either in the bundle (the layer's python/ folders: wheels vendor theirs
beside them, found through their RPATH; lib/: on LD_LIBRARY_PATH as /opt/lib) or a library the
Lambda python3.11 base image provides (LAMBDA_BASE_LIBRARIES). Offline the handler imports
lightgbm from the development venv, where the host has every library: this is the check moto
cannot make."""
from __future__ import annotations

from pathlib import Path

import pytest

from infra.constructs.packaging import scoring_layer_bundle
from infra.elf import is_elf, needed

pytestmark = pytest.mark.infra

# What the Lambda base image (Amazon Linux 2 for python3.11) provides to any native library: the
# glibc family, the C++ and GCC runtime libraries, zlib. Nothing else is assumed (libgomp is not
# there: the layer ships it).
LAMBDA_BASE_LIBRARIES = frozenset({
    "libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "libutil.so.1", "ld-linux-x86-64.so.2",
    "libstdc++.so.6", "libgcc_s.so.1", "libz.so.1",
})


def native_files():
    return [(dest, src) for dest, src in scoring_layer_bundle().entries if ".so" in Path(dest).name and is_elf(src)]


def test_every_needed_library_of_the_layer_is_in_it_or_in_the_base_image():
    files = native_files()
    shipped = {Path(dest).name for dest, _ in files}
    missing = {(dest, lib) for dest, src in files for lib in needed(src)
               if lib not in shipped and lib not in LAMBDA_BASE_LIBRARIES}
    assert not missing, sorted(missing)


def test_lightgbm_links_openmp_and_the_layer_ships_it_on_the_library_path():
    files = dict(native_files())
    (lightgbm,) = [src for dest, src in files.items() if dest.endswith("lightgbm/lib/lib_lightgbm.so")]
    assert "libgomp.so.1" in needed(lightgbm)
    assert "lib/libgomp.so.1" in files  # /opt/lib/libgomp.so.1 once the layer is mounted
    assert "libgomp.so.1" not in LAMBDA_BASE_LIBRARIES


def test_the_elf_reader_reads_the_needed_entries_of_a_known_library():
    # libgomp itself links the C library only (readelf -d libgomp.so.1: one NEEDED, libc.so.6)
    files = dict(native_files())
    assert needed(files["lib/libgomp.so.1"]) == ["libc.so.6"]
