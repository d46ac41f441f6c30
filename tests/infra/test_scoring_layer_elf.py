"""Every native library of the scoring layer loads on the function's runtime (python3.12, Amazon
Linux 2023): each DT_NEEDED entry of each ELF file in the bundle is either in the bundle (the
layer's python/ folders: wheels vendor theirs beside them, found through their RPATH; lib/: on
LD_LIBRARY_PATH as /opt/lib) or a library the Lambda base image provides (LAMBDA_BASE_LIBRARIES),
and no file needs a GLIBC_x.y symbol version above the runtime's glibc (scoring.RUNTIME_GLIBC): the
dynamic loader refuses such a file, as AWS would at import. Offline the handler imports lightgbm
from the development venv, where the host has every library: this is the check moto cannot make."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.utils import parse_wheel_filename

from infra import PROJECT_ROOT
from infra.constructs.packaging import scoring_layer_bundle, scoring_layer_wheels
from infra.constructs.scoring import RUNTIME, RUNTIME_GLIBC
from infra.elf import is_elf, needed, required_versions

pytestmark = pytest.mark.infra

# What the Lambda base image (Amazon Linux 2023 for python3.12) provides to any native library: the
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


def glibc_needed(path) -> tuple:
    """The highest GLIBC_x.y symbol version the file requires (of any library), (0,) if none."""
    versions = [tuple(int(n) for n in v[len("GLIBC_"):].split("."))
                for vs in required_versions(path).values() for v in vs
                if v.startswith("GLIBC_") and v[len("GLIBC_"):].replace(".", "").isdigit()]
    return max(versions, default=(0,))


def test_the_runtime_is_amazon_linux_2023_with_glibc_2_34():
    assert RUNTIME.name == "python3.12" and RUNTIME_GLIBC == (2, 34)


def test_no_native_library_of_the_layer_needs_a_newer_glibc_than_the_runtime_s():
    too_new = {dest: glibc_needed(src) for dest, src in native_files() if glibc_needed(src) > RUNTIME_GLIBC}
    assert not too_new, too_new


def test_the_glibc_check_reads_the_versions_the_libraries_need():
    # Measured with `objdump -T`: lib_lightgbm.so (4.7.0) needs GLIBC_2.27 (logf), above python3.11's
    # Amazon Linux 2 glibc 2.26; the host's libgomp GLIBC_2.34 (Debian's build), the runtime's own.
    files = dict(native_files())
    assert glibc_needed(files["python/lightgbm/lib/lib_lightgbm.so"]) == (2, 27)
    assert glibc_needed(files["lib/libgomp.so.1"]) == (2, 34)


def test_setup_downloads_wheels_for_the_runtime_s_glibc_and_python():
    # The Makefile's SCORING_PLATFORM lets pip take manylinux wheels up to the runtime's glibc, no newer,
    # and only CPython 3.12's ABI (or pure-Python wheels): what the layer's wheels are.
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    platform = re.search(r"^SCORING_PLATFORM := (.*?)\n\n", makefile, re.M | re.S).group(1)
    glibcs = [int(n) for n in re.search(r"\$\(foreach n,([\d ]+),--platform manylinux_2_", platform).group(1).split()]
    assert max(glibcs) == RUNTIME_GLIBC[1] and "--python-version 3.12" in platform and "--abi cp312" in platform
    for wheel in scoring_layer_wheels():
        _name, _version, _build, tags = parse_wheel_filename(wheel.name)
        assert all(t.interpreter in ("cp312", "py3") and t.abi in ("cp312", "none") for t in tags), wheel.name
