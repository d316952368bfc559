"""One validation for every image that enters Masthead: uploads, editor drops, imports.

The format and the file extension come from what Pillow finds in the bytes, never from
the file name or the content type a browser declares. Location data is stripped before
anything is stored, and stored names are unguessable.
"""

import hashlib
import io
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


def _without_location(data: bytes, image_format: str) -> bytes:
    """The same image with its EXIF GPS block removed; the bytes unchanged when there is none.

    Only images carrying GPS data are re-encoded: JPEG keeps its own quantisation tables
    (quality="keep"), PNG is lossless, WebP is re-encoded at high quality.
    """
    if image_format == "GIF":
        return data  # GIF carries no EXIF
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        if GPS_IFD not in exif:
            return data
        del exif[GPS_IFD]
        # Animated WebP/PNG keep all their frames.
        options = {"format": image_format, "exif": exif.tobytes(), "save_all": getattr(image, "is_animated", False)}
        if image_format == "JPEG":
            options.update(quality="keep", subsampling="keep")
            if image.info.get("icc_profile"):
                options["icc_profile"] = image.info["icc_profile"]
        elif image_format == "WEBP":
            options.update(quality=90, lossless=bool(image.info.get("lossless")))
        output = io.BytesIO()
        image.save(output, **options)
        return output.getvalue()


def check_size(size: int) -> None:
    """Callers holding an upload check its size before reading it into memory."""
    limit = settings.IMAGE_UPLOAD_MAX_BYTES
    if size > limit:
        raise ValidationError(f"The image is {size / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB.")


def check_image(data: bytes) -> CheckedImage:
    """Return the image's facts (and its bytes, location data removed), or raise ValidationError."""
    check_size(len(data))
    if not data:
        raise ValidationError("The image file is empty.")
    if _looks_like_svg(data):
        raise ValidationError(f"SVG images are not accepted (they can carry scripts): {ACCEPTED}.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            found = image.format
            width, height = image.size
            if found not in FORMATS:
                raise ValidationError(f"{found or 'This'} images are not accepted: {ACCEPTED}.")
            # Checked from the header, before any pixel is decoded: stops decompression bombs.
            if width * height > settings.IMAGE_MAX_PIXELS:
                raise ValidationError(
                    f"The image is {width}×{height} pixels; the limit is {settings.IMAGE_MAX_PIXELS:,} pixels."
                )
            image.verify()
        data = _without_location(data, found)
    except ValidationError:
        raise
    except Image.DecompressionBombError:  # Pillow's own, far higher limit, reached while opening
        raise ValidationError(
            f"The image has too many pixels; the limit is {settings.IMAGE_MAX_PIXELS:,} pixels."
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
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
