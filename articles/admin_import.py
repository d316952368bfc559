"""The admin's import page: upload .md files (and their images) or a .zip, get the importer's report.

It runs the same `import_files` as `manage.py import_articles`. A zip is checked whole before
anything is read into the database or media storage: no paths outside the archive, no links,
no encrypted members, at most IMPORT_MAX_FILES members and IMPORT_MAX_BYTES uncompressed, no
member that expands more than IMPORT_MAX_RATIO times (decompression bombs), and no member
yields more bytes than it declares.

Importing can create, update and publish any article, so it takes an editor's rights:
add, change and publish articles.
"""

import posixpath
import re
import stat
import time
import zipfile
from collections import Counter
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import PurePosixPath

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
import reversion

from .importing import MARKDOWN_SUFFIXES, FileResult, SourceFile, import_files, is_article_file
from .models import Article
from .roles import can_publish

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif"}
READ_CHUNK = 64 * 1024


class ArchiveRefused(ValueError):
    """The upload as a whole is refused; nothing was imported."""


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(file, initial) for file in files if file] or super().clean(None)


class ImportForm(forms.Form):
    files = MultipleFileField(
        label="Markdown files or a .zip",
        help_text=(
            "Files in the reference format (YAML front matter, then Markdown), with the images they use; "
            "or one .zip holding them, images at their relative paths. Articles are matched by uuid, "
            "else by slug: existing ones are updated."
        ),
        widget=MultipleFileInput(attrs={"accept": ".md,.markdown,.txt,.zip,.jpg,.jpeg,.png,.webp,.gif"}),
    )
    dry_run = forms.BooleanField(
        label="Check only", required=False, help_text="Validate and report what would happen; write nothing."
    )


def _limit_text(count: int, size: int) -> str:
    return f"at most {count:,} files and {size / 1e6:,.0f} MB uncompressed"


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes, never more than it declares (a lying header is a bomb)."""
    chunks, total = [], 0
    with archive.open(info) as member:
        while chunk := member.read(READ_CHUNK):
            total += len(chunk)
            if total > info.file_size:
                raise ArchiveRefused(f"{info.filename}: expands beyond its declared size (a decompression bomb?)")
            chunks.append(chunk)
    return b"".join(chunks)


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
        elif info.file_size > 1024 * 1024 and info.file_size > max_ratio * max(info.compress_size, 1):
            problems.append(
                f"{info.filename}: expands {info.file_size / max(info.compress_size, 1):,.0f} times "
                f"(limit {max_ratio}; a decompression bomb?)"
            )
        else:
            by_name[name] = info
    if problems:
        raise ArchiveRefused("The archive was refused, nothing was imported: " + "; ".join(problems[:20]) + ".")
    return by_name


# Articles written per transaction by the admin import (the command writes 500).
ADMIN_BATCH_SIZE = 5


def sources_from_archive(archive: zipfile.ZipFile) -> Iterable[SourceFile | FileResult]:
    """The Markdown files of a checked archive; each one's images resolve relative to its folder."""
    members = check_archive(archive)

    def loader(folder: str):
        def load(relative: str) -> bytes | None:
            target = posixpath.normpath(posixpath.join(folder, relative))
            info = members.get(target)
            return None if info is None or target.startswith("../") else _read_member(archive, info)

        return load

    for name, info in sorted(members.items()):
        if not is_article_file(name):
            continue
        try:
            text = _read_member(archive, info).decode("utf-8")
        except UnicodeDecodeError as error:
            yield FileResult(name, "failed", errors=[f"cannot be read as UTF-8 text: {error}"])
            continue
        yield SourceFile(name, text, loader(posixpath.dirname(name)))


def sources_from_uploads(uploads, stack: ExitStack) -> list[SourceFile | FileResult]:
    """Loose .md files (their images uploaded beside them, by file name) or .zip archives."""
    if sum(upload.size for upload in uploads) > settings.IMPORT_MAX_BYTES:
        raise ArchiveRefused(f"The upload is larger than {settings.IMPORT_MAX_BYTES / 1e6:,.0f} MB; nothing was imported.")
    images = {upload.name: upload for upload in uploads if PurePosixPath(upload.name).suffix.lower() in IMAGE_SUFFIXES}
    # Browsers send loose files by name alone: two photo.jpg from two folders would be one image.
    names = Counter(upload.name for upload in uploads)
    if twice := sorted(name for name, count in names.items() if count > 1):
        raise ArchiveRefused(
            f"More than one uploaded file is named {', '.join(twice)}: rename them, or upload the folders "
            "as a .zip, which keeps them apart. Nothing was imported."
        )

    def load(relative: str) -> bytes | None:
        upload = images.get(posixpath.normpath(relative)) or images.get(PurePosixPath(relative).name)
        if upload is None:
            return None
        upload.seek(0)
        return upload.read()

    sources: list[SourceFile | FileResult] = []
    archives = []
    for upload in uploads:
        suffix = PurePosixPath(upload.name).suffix.lower()
        if suffix == ".zip":
            try:
                archive = stack.enter_context(zipfile.ZipFile(upload))
            except zipfile.BadZipFile:
                raise ArchiveRefused(f"{upload.name}: not a readable .zip file; nothing was imported.") from None
            check_archive(archive)  # every archive passes before any file is imported
            archives.append(archive)
        elif suffix in MARKDOWN_SUFFIXES:
            try:
                sources.append(SourceFile(upload.name, upload.read().decode("utf-8"), load))
            except UnicodeDecodeError as error:
                sources.append(FileResult(upload.name, "failed", errors=[f"cannot be read as UTF-8 text: {error}"]))
        elif suffix not in IMAGE_SUFFIXES:
            sources.append(FileResult(upload.name, "failed", errors=["not a Markdown file, an image or a .zip"]))
    for archive in archives:
        sources.extend(sources_from_archive(archive))
    return sources


def import_view(request):
    """GET: the upload form. POST: import and show the report, or the form with what is wrong."""
    user = request.user
    if not (user.has_perms(["articles.add_article", "articles.change_article"]) and can_publish(user)):
        raise PermissionDenied("Importing articles needs the rights to add, change and publish articles.")
    context = {
        **admin.site.each_context(request),
        "title": "Import articles from Markdown",
        "opts": Article._meta,
        "limits": _limit_text(settings.IMPORT_MAX_FILES, settings.IMPORT_MAX_BYTES),
    }
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if form.is_bound and form.is_valid():
        try:
            with ExitStack() as stack:
                sources = sources_from_uploads(form.cleaned_data["files"], stack)
                # Small batches and a deadline: images make renditions as they are written, so a
                # large upload stops in time and says what is left, instead of the worker being killed.
                # Each article written gets a revision, as an admin save does: its history shows the
                # import, and one deleted by mistake can be recovered.
                with reversion.create_revision():
                    reversion.set_user(user)
                    reversion.set_comment("Imported from Markdown")
                    report = import_files(
                        sources,
                        dry_run=form.cleaned_data["dry_run"],
                        batch_size=ADMIN_BATCH_SIZE,
                        deadline=time.monotonic() + settings.IMPORT_MAX_SECONDS,
                    )
        except ArchiveRefused as refused:
            form.add_error("files", str(refused))
        else:
            groups = [
                ("Created" if not report.dry_run else "Would be created", report.of("created")),
                ("Updated" if not report.dry_run else "Would be updated", report.of("updated")),
                ("Unchanged", report.of("unchanged")),
                ("Refused", report.of("failed")),
            ]
            context.update(title="Import report", report=report, groups=groups, time_limit=settings.IMPORT_MAX_SECONDS)
            return TemplateResponse(request, "admin/articles/import_result.html", context)
    context["form"] = form
    return TemplateResponse(request, "admin/articles/import.html", context, status=400 if form.errors else 200)
