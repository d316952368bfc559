"""One validation for every image that enters Masthead: uploads, editor drops, imports.

The format and the file extension come from what Pillow finds in the bytes, never from
the file name or the content type a browser declares. Metadata (EXIF, XMP, IPTC,
comments) is removed before anything is stored, and stored names are unguessable.
"""

import hashlib
import io
import struct
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import ExifTags, Image, UnidentifiedImageError

FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
ACCEPTED = "use JPEG, PNG, WebP or GIF"
GPS_IFD = ExifTags.IFD.GPSInfo


@dataclass
class CheckedImage:
    data: bytes
    format: str
    width: int
    height: int

    @property
    def extension(self) -> str:
        return FORMATS[self.format]

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]

    @property
    def file_name(self) -> str:
        """Derived from the content: unguessable without the image, stable for the same image."""
        return f"{hashlib.sha256(self.data).hexdigest()[:32]}.{self.extension}"


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip().lower()
    return head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in data[:4096].lower())


# ---- metadata ---------------------------------------------------------------------------
# Stored images keep only what drawing them needs: pixels, palette, transparency, animation,
# colour profile and orientation. EXIF (camera, GPS, thumbnails), XMP (which can repeat the
# GPS position), IPTC, comments and text chunks go. The containers are rewritten, never the
# pixels: no generation loss, no decoding, and stripping a stripped file changes nothing (so
# content-derived names are stable across export and import).

ORIENTATION = 0x0112


def _orientation_exif(orientation: int | None) -> bytes:
    """A TIFF block holding only the orientation (b"" when upright): the one EXIF fact kept."""
    if not orientation or orientation == 1:
        return b""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    return exif.tobytes()[len(b"Exif\0\0"):]


def orientation_of(image: Image.Image) -> int | None:
    """The EXIF orientation from the file's header. (Pillow's getexif() decodes a whole PNG
    that has no eXIf chunk before its pixels, looking for one after them.)"""
    raw = image.info.get("exif")
    if not raw:
        return None
    exif = Image.Exif()
    try:
        exif.load(raw)
    except (OSError, ValueError, SyntaxError, struct.error):
        return None
    return exif.get(ORIENTATION)


def _jpeg_without_metadata(data: bytes, orientation: int | None) -> bytes:
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG stream")
    out = [b"\xff\xd8"]
    tiff = _orientation_exif(orientation)
    if tiff:
        segment = b"Exif\0\0" + tiff
        out.append(b"\xff\xe1" + struct.pack(">H", len(segment) + 2) + segment)
    i = 2
    while i < len(data):
        if data[i] != 0xFF:
            raise ValueError("JPEG marker expected")
        while i < len(data) and data[i] == 0xFF:  # fill bytes
            i += 1
        marker = data[i]
        i += 1
        if marker == 0xD9:  # end of image: whatever follows (MPF second images with their own EXIF) goes
            out.append(b"\xff\xd9")
            return b"".join(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            out.append(bytes((0xFF, marker)))
            continue
        (length,) = struct.unpack(">H", data[i : i + 2])
        body = data[i + 2 : i + length]
        end = i + length
        keep = True
        if 0xE0 <= marker <= 0xEF:
            keep = (
                (marker == 0xE0 and body.startswith(b"JFIF\0"))
                or (marker == 0xE2 and body.startswith(b"ICC_PROFILE\0"))
                or (marker == 0xEE and body.startswith(b"Adobe"))  # colour transform: changes the pixels
            )
        elif marker == 0xFE:  # comment
            keep = False
        if keep:
            out.append(bytes((0xFF, marker)) + data[i:end])
        i = end
        if marker == 0xDA:  # start of scan: entropy-coded data runs to the next real marker
            j = i
            while True:
                j = data.find(b"\xff", j)
                if j < 0 or j + 1 >= len(data):
                    raise ValueError("JPEG scan without an end")
                following = data[j + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    j += 1 if following == 0xFF else 2
                    continue
                break
            out.append(data[i:j])
            i = j
    raise ValueError("JPEG without an end of image")


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Chunks that draw the image (critical, colour, transparency, physical size, animation).
PNG_KEPT = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB",
    b"cICP", b"mDCV", b"cLLI", b"bKGD", b"hIST", b"pHYs", b"sPLT", b"acTL", b"fcTL", b"fdAT",
}


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_without_metadata(data: bytes, orientation: int | None) -> bytes:
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG stream")
    out, i = [PNG_SIGNATURE], len(PNG_SIGNATURE)
    while i + 8 <= len(data):
        (length,) = struct.unpack(">I", data[i : i + 4])
        kind = data[i + 4 : i + 8]
        end = i + 12 + length
        if end > len(data):
            raise ValueError("PNG chunk past the end")
        if kind in PNG_KEPT:
            out.append(data[i:end])
        if kind == b"IHDR" and (tiff := _orientation_exif(orientation)):
            out.append(_png_chunk(b"eXIf", tiff))
        i = end
        if kind == b"IEND":
            return b"".join(out)
    raise ValueError("PNG without an end chunk")


WEBP_KEPT = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
VP8X_EXIF, VP8X_XMP = 0x08, 0x04


def _webp_chunk(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("<I", len(body)) + body + (b"\0" if len(body) % 2 else b"")


def _webp_without_metadata(data: bytes, orientation: int | None) -> bytes:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ValueError("not a WebP stream")
    (riff_size,) = struct.unpack("<I", data[4:8])
    end_of_riff = min(len(data), 8 + riff_size)
    chunks, i = [], 12
    while i + 8 <= end_of_riff:
        kind = data[i : i + 4]
        (length,) = struct.unpack("<I", data[i + 4 : i + 8])
        body = data[i + 8 : i + 8 + length]
        if len(body) != length:
            raise ValueError("WebP chunk past the end")
        if kind in WEBP_KEPT:
            chunks.append([kind, body])
        i += 8 + length + (length % 2)
    tiff = _orientation_exif(orientation)
    for chunk in chunks:
        if chunk[0] == b"VP8X":
            flags = chunk[1][0] & ~(VP8X_EXIF | VP8X_XMP) | (VP8X_EXIF if tiff else 0)
            chunk[1] = bytes((flags,)) + chunk[1][1:]
            if tiff:
                chunks.append([b"EXIF", tiff])  # EXIF comes after the image data
            break
    payload = b"WEBP" + b"".join(_webp_chunk(kind, body) for kind, body in chunks)
    return b"RIFF" + struct.pack("<I", len(payload)) + payload


# Application extensions that change how a GIF plays or looks (looping, colour profile).
GIF_KEPT_APPLICATIONS = {b"NETSCAPE2.0", b"ANIMEXTS1.0", b"ICCRGBG1012"}


def _gif_sub_blocks_end(data: bytes, i: int) -> int:
    while True:
        size = data[i]
        i += 1 + size
        if size == 0:
            return i


def _gif_without_metadata(data: bytes, orientation: int | None) -> bytes:
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise ValueError("not a GIF stream")
    flags = data[10]
    i = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)  # header, screen, global palette
    out = [data[:i]]
    while i < len(data):
        block = data[i]
        if block == 0x3B:  # trailer
            out.append(b"\x3b")
            return b"".join(out)
        if block == 0x2C:  # an image: descriptor, local palette, LZW size, data
            local = data[i + 9]
            start, i = i, i + 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0) + 1
            i = _gif_sub_blocks_end(data, i)
            out.append(data[start:i])
        elif block == 0x21:
            label, start = data[i + 1], i
            i = _gif_sub_blocks_end(data, i + 2)
            keep = label in (0xF9, 0x01)  # graphic control (timing, transparency), plain text
            if label == 0xFF:
                keep = data[start + 3 : start + 14] in GIF_KEPT_APPLICATIONS
            if keep:
                out.append(data[start:i])
        else:
            raise ValueError("unknown GIF block")
    raise ValueError("GIF without a trailer")


_STRIPPERS = {
    "JPEG": _jpeg_without_metadata,
    "PNG": _png_without_metadata,
    "WEBP": _webp_without_metadata,
    "GIF": _gif_without_metadata,
}


def without_metadata(data: bytes, image_format: str, orientation: int | None = None) -> bytes:
    """The same image with only what draws it: see the rule above. Raises ValueError on a damaged file."""
    try:
        return _STRIPPERS[image_format](data, orientation)
    except (IndexError, struct.error) as error:
        raise ValueError(f"damaged {image_format} file") from error


def check_size(size: int) -> None:
    """Callers holding an upload check its size before reading it into memory."""
    limit = settings.IMAGE_UPLOAD_MAX_BYTES
    if size > limit:
        raise ValidationError(f"The image is {size / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB.")


def check_image(data: bytes) -> CheckedImage:
    """Return the image's facts (and its bytes, metadata removed), or raise ValidationError."""
    check_size(len(data))
    if not data:
        raise ValidationError("The image file is empty.")
    if _looks_like_svg(data):
        raise ValidationError(f"SVG images are not accepted (they can carry scripts): {ACCEPTED}.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            # A phone's multi-picture JPEG (MPO: the photo, then more JPEGs with their own EXIF) is
            # stored as the plain JPEG of its first picture: everything after it is dropped.
            found = "JPEG" if image.format == "MPO" else image.format
            width, height = image.size
            if found not in FORMATS:
                raise ValidationError(f"{found or 'This'} images are not accepted: {ACCEPTED}.")
            # Checked from the header, before any pixel is decoded: stops decompression bombs.
            if width * height > settings.IMAGE_MAX_PIXELS:
                raise ValidationError(
                    f"The image is {width}×{height} pixels; the limit is {settings.IMAGE_MAX_PIXELS:,} pixels."
                )
            orientation = orientation_of(image)
            image.verify()
        data = without_metadata(data, found, orientation)
        with Image.open(io.BytesIO(data)) as stripped:  # what is stored must still be the same image
            if stripped.format != found or stripped.size != (width, height):
                raise ValueError("the image changed when its metadata was removed")
    except ValidationError:
        raise
    except Image.DecompressionBombError:  # Pillow's own, far higher limit, reached while opening
        raise ValidationError(
            f"The image has too many pixels; the limit is {settings.IMAGE_MAX_PIXELS:,} pixels."
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, RuntimeError):
        raise ValidationError(f"The file is not an image Masthead can read: {ACCEPTED}.") from None
    return CheckedImage(data=data, format=found, width=width, height=height)


def checked_file(data: bytes) -> ContentFile:
    """A validated image as a file for an ImageField, named from its content and detected format."""
    image = check_image(data)
    return ContentFile(image.data, name=image.file_name)


def store_image(data: bytes, folder: str) -> str:
    """Validate and store an image under a name derived from its content; return the storage name.

    Names are content hashes: unguessable without the image, and the same image stored
    twice is stored once.
    """
    image = check_image(data)
    name = f"{folder.strip('/')}/{image.file_name}"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(image.data))
    return name
