"""Small JPEGs the JDK's own reader refuses, for the image-folder tests (deterministic).

Writes into core/src/test/resources/images/ (relative to the repo root):
  cmyk.jpg      40x30 Adobe CMYK JPEG (Pillow writes the APP14 marker with transform 0): left half
                pure cyan (C=255), right half pure magenta (M=255)
  cmyk_rgb.npy  Pillow's own RGB conversion of the decoded file (uint8 (30, 40, 3)), for comparison
  ycck.jpg      40x32 Adobe YCCK JPEG (APP14 transform 2): quadrants of cyan, magenta, yellow and half black ink
  ycck_rgb.npy  Pillow's RGB of the decoded file (libjpeg turns YCCK back into CMYK), uint8 (32, 40, 3)

Pillow cannot write YCCK, so ycck.jpg is made in two steps: the YCCK components are computed here (libjpeg's
convention, with the Adobe inversion: Y, Cb, Cr of (R, G, B) = the C, M, Y inks, K stored as 255 - ink) and written
by Pillow as the four samples of a CMYK JPEG, which libjpeg stores without any colour conversion; then the APP14
marker's transform byte is changed from 0 (CMYK) to 2 (YCCK). Decoding the result with Pillow gives the intended inks
back (checked below), which shows the file is a real YCCK JPEG and not a relabelled CMYK one.

Usage:  /usr/bin/python3 benchmarks/reference/make_image_fixtures.py [--out DIR]
"""

import argparse
import io
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
    ycck(a.out)


def ycck(out):
    ink = np.zeros((32, 40, 4), dtype=np.float64)  # C, M, Y, K ink amounts, 255 = full
    ink[:16, :20, 0] = 255
    ink[:16, 20:, 1] = 255
    ink[16:, :20, 2] = 255
    ink[16:, 20:, 3] = 128
    # libjpeg decodes YCCK to C' = 255 - R (likewise M', Y'), and Adobe files store inverted inks (C = 255 - C'),
    # so the R, G, B that the YCC part encodes are the C, M, Y inks themselves
    r, g, b = ink[..., 0], ink[..., 1], ink[..., 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b  # JFIF YCbCr, as libjpeg's YCCK <-> CMYK conversion
    cb = -0.168736 * r - 0.331264 * g + 0.5 * b + 128
    cr = 0.5 * r - 0.418688 * g - 0.081312 * b + 128
    stored = np.stack([y, cb, cr, 255 - ink[..., 3]], -1).round().clip(0, 255).astype(np.uint8)
    buf = io.BytesIO()
    # Pillow inverts CMYK samples when it writes them ("CMYK;I"), so hand it the inverse of what must be stored
    Image.fromarray(255 - stored, mode="CMYK").save(buf, "JPEG", quality=95)
    data = bytearray(buf.getvalue())
    adobe = data.find(b"\xff\xee\x00\x0eAdobe")
    assert adobe >= 0, "Pillow wrote no Adobe APP14 marker"
    transform = adobe + 4 + 11  # marker, length, "Adobe", version, flags0, flags1, transform
    assert data[transform] == 0, data[transform]
    data[transform] = 2
    path = os.path.join(out, "ycck.jpg")
    with open(path, "wb") as f:
        f.write(data)
    back = Image.open(path)
    assert back.mode == "CMYK" and back.info.get("adobe_transform") == 2, (back.mode, back.info)
    err = np.abs(np.asarray(back, dtype=np.float64) - ink)
    for y0, x0 in [(2, 2), (2, 22), (18, 2), (18, 22)]:  # away from the quadrant edges' ringing
        assert err[y0:y0 + 12, x0:x0 + 16].max() <= 3, "Pillow does not decode the intended inks"
    rgb = np.asarray(back.convert("RGB"), dtype=np.uint8)
    np.save(os.path.join(out, "ycck_rgb.npy"), rgb)
    print("wrote", path, len(data), "bytes; Pillow RGB of the quadrant centres:", rgb[8, 10], rgb[8, 30], rgb[24, 10],
          rgb[24, 30])


if __name__ == "__main__":
    main()
