"""The layer: the zip, extracted as Lambda extracts it into /opt (stdlib
only)."""

from __future__ import annotations

import os
import zipfile


def extract_layer(zip_path: str, dest: str) -> str:
    """Extracts a layer zip into `dest` (the stand-in for /opt), keeping the
    Unix permission bits stored in the zip as Lambda does (the wrapper must
    arrive executable). Returns dest."""
    os.makedirs(dest, exist_ok=True)
    with zipfile.ZipFile(zip_path) as z:
        for info in z.infolist():
            path = z.extract(info, dest)
            mode = (info.external_attr >> 16) & 0o7777
            if mode and not info.is_dir():
                os.chmod(path, mode)
    return dest
