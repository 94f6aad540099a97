"""Small JPEGs the JDK's own reader refuses, for the image-folder tests (deterministic).

Writes into core/src/test/resources/images/ (relative to the repo root):
  cmyk.jpg      40x30 Adobe CMYK JPEG (Pillow writes the APP14 marker with transform 0): left half
                pure cyan (C=255), right half pure magenta (M=255)
  cmyk_rgb.npy  Pillow's own RGB conversion of the decoded file (uint8 (30, 40, 3)), for comparison

Usage:  /usr/bin/python3 benchmarks/reference/make_image_fixtures.py [--out DIR]
"""

import argparse
import os

import numpy as np
from PIL import Image

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_OUT = os.path.join(REPO, "core", "src", "test", "resources", "images")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    cmyk = np.zeros((30, 40, 4), dtype=np.uint8)
    cmyk[:, :20, 0] = 255
    cmyk[:, 20:, 1] = 255
    path = os.path.join(a.out, "cmyk.jpg")
    Image.fromarray(cmyk, mode="CMYK").save(path, quality=95)
    back = Image.open(path)
    assert back.mode == "CMYK", back.mode
    np.save(os.path.join(a.out, "cmyk_rgb.npy"), np.asarray(back.convert("RGB"), dtype=np.uint8))
    print("wrote", path, os.path.getsize(path), "bytes; Pillow RGB of the centre of each half:",
          np.asarray(back.convert("RGB"))[15, 10], np.asarray(back.convert("RGB"))[15, 30])


if __name__ == "__main__":
    main()
