"""Where articles come from: paths on disk (the command), uploads and zips (the admin).

Markdown files (`.md`, `.markdown`, `.txt`, `.mdx`) are one article each; a WordPress export
(WXR, XML) or a Ghost export (JSON) is many, recognised by its content whatever its name.
Images are found relative to the article's file (a page bundle's `post/index.md` finds the
images beside it), and site-absolute ones (`/images/a.png`) under a static folder: the
command's `--static-dir`, or in a zip its root, `static/` (Hugo) or `public/` (Astro).

A zip is checked whole before anything is read into the database or media storage: no paths
outside the archive, no links, no encrypted members, only the compression methods Python
reads, at most IMPORT_MAX_FILES members and IMPORT_MAX_BYTES uncompressed, no member that
expands more than IMPORT_MAX_RATIO times (decompression bombs) or yields more bytes than it
declares, and every member read through once, so a damaged one (a bad CRC, corrupt deflate
data, a header that names another file) refuses the upload with its name and the reason.
"""

import contextlib
import itertools
import lzma
import posixpath
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from django.conf import settings

from . import ghost, wordpress
from .report import FileResult, ImageLoader, Skipped, SourceFile
from ..markdown import size_error as too_large

MARKDOWN_SUFFIXES = {".md", ".markdown", ".txt", ".mdx"}
EXPORT_SUFFIXES = {".xml", ".json"}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif"}
READ_CHUNK = 64 * 1024
# Where a zip of a static site keeps the files its pages address from the site's root.
STATIC_FOLDERS = ("", "static", "public")
# Compression methods the zipfile module reads (Deflate64, PPMd... are refused by name).
READABLE_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
METHOD_NAMES = {9: "Deflate64", 98: "PPMd", 95: "XZ", 93: "Zstandard", 97: "WavPack", 6: "Implode"}
# What a damaged zip raises while a member is read.
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, NotImplementedError, OSError, ValueError, struct.error)

Source = SourceFile | FileResult | Skipped


class ArchiveRefused(ValueError):
    """The upload as a whole is refused; nothing was imported."""


def is_article_file(relative: str | PurePosixPath, suffixes=MARKDOWN_SUFFIXES) -> bool:
    """A Markdown file inside a folder or zip being imported, not what an OS leaves beside it
    (macOS's __MACOSX/ and ._ copies, .DS_Store, other dot files)."""
    path = PurePosixPath(relative)
    return path.suffix.lower() in suffixes and not any(part == "__MACOSX" or part.startswith(".") for part in path.parts)


def export_kind(head: bytes) -> str | None:
    """'wordpress' or 'ghost' from the first bytes of a file, else None."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<") and b"wordpress.org/export/" in head:
        return "wordpress"
    if text.startswith(b"{") and ghost.looks_like_ghost(head):
        return "ghost"
    return None


def open_export(kind: str, name: str, opener: Callable[[], BinaryIO], load_image: ImageLoader) -> Iterable[Source]:
    reader = wordpress.WordPressExport if kind == "wordpress" else ghost.GhostExport
    return reader(name, opener, load_image)


def _inside(target: Path, *roots: Path | None) -> bool:
    return any(root is not None and target.is_relative_to(root) for root in roots)


def _directory_loader(base: Path, root: Path, static: Path | None) -> ImageLoader:
    """Relative paths from the article's folder, site-absolute ones under `static`; never a file
    outside `root` and `static`."""

    def load(path: str) -> bytes | None:
        if path.startswith("/"):
            if static is None:
                return None
            target = (static / path.lstrip("/")).resolve()
        else:
            target = (base / PurePosixPath(path)).resolve()
        if not _inside(target, root, static) or not target.is_file():
            return None
        return target.read_bytes()

    return load


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(64 * 1024)
    except OSError:
        return b""


class FilesFromPaths:
    """Each Markdown file or export named, or inside a named directory, read one at a time.

    `len()` (the items, for progress) is known before any article is read; a FileResult stands
    for what cannot be read.
    """

    def __init__(self, paths: Iterable[str | Path], static_dir: str | Path | None = None):
        self.static = Path(static_dir).resolve() if static_dir else None
        # (file, root, export kind); root None: missing. Exports are opened (their first pass) here.
        self.entries: list[tuple[Path, Path | None, object]] = []
        for path in map(Path, paths):
            if path.is_dir():
                root = path.resolve()
                for file in sorted(path.rglob("*")):
                    relative = file.relative_to(path).as_posix()
                    if is_article_file(relative) and file.is_file():
                        self.entries.append((file, root, None))
                    elif is_article_file(relative, EXPORT_SUFFIXES) and (kind := export_kind(_head(file))):
                        self.entries.append((file, root, self._export(file, kind)))
            elif path.is_file():
                kind = export_kind(_head(path))
                self.entries.append((path, path.resolve().parent, self._export(path, kind) if kind else None))
            else:
                self.entries.append((path, None, None))

    def _export(self, file: Path, kind: str):
        loader = _directory_loader(file.resolve().parent, file.resolve().parent, self.static)
        return open_export(kind, str(file), lambda: file.open("rb"), loader)

    def __len__(self):
        return sum(len(export) if export is not None else 1 for _, _, export in self.entries)

    @property
    def noun(self) -> str:
        """What the progress counts: files, or the items of the exports among them."""
        return "items" if any(export is not None for _, _, export in self.entries) else "files"

    def __iter__(self) -> Iterator[Source]:
        for file, root, export in self.entries:
            if root is None:
                yield FileResult(str(file), "failed", errors=["no such file or directory"])
            elif export is not None:
                yield from export
            elif file.suffix.lower() not in MARKDOWN_SUFFIXES and file.suffix.lower() in EXPORT_SUFFIXES | IMAGE_SUFFIXES | {".zip"}:
                yield FileResult(str(file), "failed", errors=["not a Markdown file, a WordPress export or a Ghost export"])
            elif problem := too_large(_size(file)):
                yield FileResult(str(file), "failed", errors=[problem])  # refused unread
            else:
                try:
                    text = file.read_bytes().decode("utf-8")
                except (OSError, UnicodeDecodeError) as error:
                    yield FileResult(str(file), "failed", errors=[f"cannot be read as UTF-8 text: {error}"])
                    continue
                yield SourceFile(str(file), text, _directory_loader(file.resolve().parent, root, self.static))


def files_from_paths(paths: Iterable[str | Path], static_dir: str | Path | None = None) -> FilesFromPaths:
    return FilesFromPaths(paths, static_dir)


# Zips and uploads (the admin's import page).


def limit_text(count: int, size: int) -> str:
    return f"at most {count:,} files and {size / 1e6:,.0f} MB uncompressed"


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, keep: bool = True) -> bytes:
    """A member's bytes, never more than it declares (a lying header is a bomb); with `keep`
    off, only read through (to find damage) and return nothing."""
    chunks, total = [], 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(READ_CHUNK):
                total += len(chunk)
                if total > info.file_size:
                    raise ArchiveRefused(f"{info.filename}: expands beyond its declared size (a decompression bomb?)")
                if keep:
                    chunks.append(chunk)
    except ZIP_ERRORS as error:
        raise ArchiveRefused(f"{info.filename}: damaged ({_zip_error(error)})") from None
    return b"".join(chunks)


def _zip_error(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    if isinstance(error, zlib.error):
        return f"its compressed data is corrupt: {text}"
    return text


def _safe_name(name: str) -> str | None:
    """The member's path inside the archive, or None if it points outside it."""
    name = name.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[a-zA-Z]:", name) or ".." in PurePosixPath(name).parts:
        return None
    return posixpath.normpath(name)


def check_archive(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """Every file member by its path, or ArchiveRefused listing every problem found."""
    max_files, max_bytes, max_ratio = settings.IMPORT_MAX_FILES, settings.IMPORT_MAX_BYTES, settings.IMPORT_MAX_RATIO
    members = [info for info in archive.infolist() if not info.is_dir()]
    problems = []
    if len(members) > max_files:
        problems.append(f"the archive holds {len(members):,} files; the limit is {max_files:,}")
    total = sum(info.file_size for info in members)
    if total > max_bytes:
        problems.append(f"the archive expands to {total / 1e6:,.1f} MB; the limit is {max_bytes / 1e6:,.0f} MB")
    by_name = {}
    for info in members[: max_files + 1]:
        name = _safe_name(info.filename)
        if name is None:
            problems.append(f"{info.filename}: a path outside the archive")
        elif stat.S_ISLNK(info.external_attr >> 16):
            problems.append(f"{info.filename}: a symbolic link")
        elif info.flag_bits & 0x1:
            problems.append(f"{info.filename}: encrypted")
        elif info.compress_type not in READABLE_METHODS:
            method = METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
            problems.append(f"{info.filename}: compressed with {method}, which cannot be read (zip it again with Deflate)")
        elif info.file_size > 1024 * 1024 and info.file_size > max_ratio * max(info.compress_size, 1):
            problems.append(
                f"{info.filename}: expands {info.file_size / max(info.compress_size, 1):,.0f} times "
                f"(limit {max_ratio}; a decompression bomb?)"
            )
        else:
            by_name[name] = info
    if not problems:
        for info in by_name.values():  # read through once: damage is found before anything is imported
            try:
                _read_member(archive, info, keep=False)
            except ArchiveRefused as refused:
                problems.append(str(refused))
                if len(problems) >= 20:
                    break
    if problems:
        raise ArchiveRefused("The archive was refused, nothing was imported: " + "; ".join(problems[:20]) + ".")
    return by_name


def open_archive(upload, name: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(upload)
    except ZIP_ERRORS as error:
        raise ArchiveRefused(f"{name}: not a readable .zip file ({_zip_error(error)}); nothing was imported.") from None


def sources_from_archive(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo] | None = None) -> Iterator[Source]:
    """The Markdown files and exports of an archive (checked here unless `members` is what
    check_archive returned); each one's images resolve relative to its folder, site-absolute
    ones from the archive's root, static/ or public/."""
    members = check_archive(archive) if members is None else members

    def loader(folder: str):
        def load(path: str) -> bytes | None:
            if path.startswith("/"):
                candidates = [posixpath.normpath(posixpath.join(root, path.lstrip("/"))) for root in STATIC_FOLDERS]
            else:
                candidates = [posixpath.normpath(posixpath.join(folder, path))]
            for target in candidates:
                info = members.get(target)
                if info is not None and not target.startswith("../"):
                    return _read_member(archive, info)
            return None

        return load

    for name, info in sorted(members.items()):
        if is_article_file(name, EXPORT_SUFFIXES):
            with archive.open(info) as member:
                kind = export_kind(member.read(64 * 1024))
            if kind:
                yield from open_export(kind, name, lambda info=info: archive.open(info), loader(posixpath.dirname(name)))
            continue
        if not is_article_file(name):
            continue
        if problem := too_large(info.file_size):
            yield FileResult(name, "failed", errors=[problem])
            continue
        try:
            text = _read_member(archive, info).decode("utf-8")
        except UnicodeDecodeError as error:
            yield FileResult(name, "failed", errors=[f"cannot be read as UTF-8 text: {error}"])
            continue
        yield SourceFile(name, text, loader(posixpath.dirname(name)))




def sources_from_uploads(uploads, archives: list[zipfile.ZipFile]) -> Iterator[Source]:
    """Loose files (Markdown with their images beside them, by file name; exports) or .zip
    archives, each checked whole before this returns (ArchiveRefused), then read one at a time.
    Opened archives are appended to `archives` for the caller to close."""
    if sum(upload.size for upload in uploads) > settings.IMPORT_MAX_BYTES:
        raise ArchiveRefused(f"The upload is larger than {settings.IMPORT_MAX_BYTES / 1e6:,.0f} MB; nothing was imported.")
    images = {upload.name: upload for upload in uploads if PurePosixPath(upload.name).suffix.lower() in IMAGE_SUFFIXES}
    # Browsers send loose files by name alone: two photo.jpg from two folders would be one image.
    names: dict[str, int] = {}
    for upload in uploads:
        names[upload.name] = names.get(upload.name, 0) + 1
    if twice := sorted(name for name, count in names.items() if count > 1):
        raise ArchiveRefused(
            f"More than one uploaded file is named {', '.join(twice)}: rename them, or upload the folders "
            "as a .zip, which keeps them apart. Nothing was imported."
        )

    def load(relative: str) -> bytes | None:
        upload = images.get(posixpath.normpath(relative.lstrip("/"))) or images.get(PurePosixPath(relative).name)
        if upload is None:
            return None
        upload.seek(0)
        return upload.read()

    sources: list[Source] = []
    checked = []
    for upload in uploads:
        suffix = PurePosixPath(upload.name).suffix.lower()
        if suffix == ".zip":
            archive = open_archive(upload, upload.name)
            archives.append(archive)
            try:
                checked.append((archive, check_archive(archive)))  # every archive passes before any file is imported
            except ArchiveRefused as refused:
                raise ArchiveRefused(f"{upload.name}: {refused}") from None
        elif suffix in MARKDOWN_SUFFIXES:
            if problem := too_large(upload.size):
                sources.append(FileResult(upload.name, "failed", errors=[problem]))
                continue
            try:
                sources.append(SourceFile(upload.name, upload.read().decode("utf-8"), load))
            except UnicodeDecodeError as error:
                sources.append(FileResult(upload.name, "failed", errors=[f"cannot be read as UTF-8 text: {error}"]))
        elif suffix not in IMAGE_SUFFIXES:
            upload.seek(0)
            kind = export_kind(upload.read(64 * 1024))
            if kind is None:
                sources.append(FileResult(upload.name, "failed", errors=[
                    "not a Markdown file, an image, a .zip, a WordPress export (.xml) or a Ghost export (.json)"]))
                continue

            def opener(upload=upload):
                upload.seek(0)
                return contextlib.nullcontext(upload)  # read twice: the view closes it

            sources.append(open_export(kind, upload.name, opener, load))
    parts = [[item] if isinstance(item, (SourceFile, FileResult)) else item for item in sources]
    parts += [sources_from_archive(archive, members) for archive, members in checked]
    return itertools.chain.from_iterable(parts)
