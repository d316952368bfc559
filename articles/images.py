"""One validation for every image that enters Masthead: uploads, editor drops, imports.

The format and the file extension come from what Pillow finds in the bytes, never from
the file name or the content type a browser declares.
"""

import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, UnidentifiedImageError

FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


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


def check_image(data: bytes) -> CheckedImage:
    """Return the image's facts, or raise ValidationError saying what is wrong with it."""
    limit = settings.IMAGE_UPLOAD_MAX_BYTES
    if len(data) > limit:
        raise ValidationError(f"The image is {len(data) / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB.")
    if not data:
        raise ValidationError("The image file is empty.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            found = image.format
            width, height = image.size
            if found not in FORMATS:
                raise ValidationError(
                    f"{found or 'This'} images are not accepted: use JPEG, PNG, WebP or GIF."
                )
            if width * height > settings.IMAGE_MAX_PIXELS:
                raise ValidationError(
                    f"The image is {width}×{height} pixels; the limit is {settings.IMAGE_MAX_PIXELS:,} pixels."
                )
            image.verify()
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise ValidationError("The file is not an image Masthead can read: use JPEG, PNG, WebP or GIF.") from None
    return CheckedImage(data=data, format=found, width=width, height=height)


def store_image(data: bytes, folder: str) -> str:
    """Validate and store an image under a name derived from its content; return the storage name.

    Names are content hashes: unguessable without the image, and the same image stored
    twice is stored once.
    """
    image = check_image(data)
    name = f"{folder.strip('/')}/{hashlib.sha256(image.data).hexdigest()[:32]}.{image.extension}"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(image.data))
    return name
