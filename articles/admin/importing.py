"""The admin's import page: upload Markdown files (and their images), WordPress or Ghost exports,
or a .zip, and get the importer's report (articles/files/: the same code as `import_articles`).

Importing can create, update and publish any article, so it takes an editor's rights: add,
change and publish articles. The upload is not read before that is known: the view is exempt
from the CSRF middleware (which would read the body first) and checks the token itself after
the rights, and an upload handler stops the body as soon as it is past IMPORT_MAX_BYTES, or a
Markdown file in it past MARKDOWN_MAX_BYTES, so nothing past the limits reaches a temporary file.
"""

import time

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.template.response import TemplateResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
import reversion

from ..files.sources import MARKDOWN_SUFFIXES, ArchiveRefused, limit_text, sources_from_uploads
from ..files.writing import default_options, import_files
from ..models import Article
from ..roles import can_publish

# Multipart framing around the files (boundaries, headers, the other fields) on top of their bytes.
FORM_OVERHEAD = 1024 * 1024
# Articles written per transaction by the admin import (the command writes 500).
ADMIN_BATCH_SIZE = 5


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(file, initial) for file in files if file] or super().clean(None)


class ImportForm(forms.Form):
    files = MultipleFileField(
        label="Files or a .zip",
        help_text=(
            "Markdown files (YAML or TOML front matter, or none) with the images they use; a WordPress export "
            "(.xml) or a Ghost export (.json); or one .zip holding them, images at their relative paths. "
            "Articles are matched by uuid, else by slug: existing ones are updated."
        ),
        widget=MultipleFileInput(attrs={"accept": ".md,.markdown,.mdx,.txt,.xml,.json,.zip,.jpg,.jpeg,.png,.webp,.gif"}),
    )
    dry_run = forms.BooleanField(
        label="Check only", required=False, help_text="Validate and report what would happen; write nothing."
    )
    drafts = forms.BooleanField(
        label="Import as drafts", required=False, help_text="Every article arrives as a draft, for a careful first look."
    )


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


class ImportLimitHandler(FileUploadHandler):
    """Stops an upload past the import limits while it is received: the files past
    IMPORT_MAX_BYTES in all, or one Markdown file past MARKDOWN_MAX_BYTES. `refused` then says
    why; it keeps no file itself. (A body whose declared length is past the limit is refused
    before this runs, unread.)"""

    def __init__(self, request=None):
        super().__init__(request)
        self.refused: str | None = None
        self.total = 0
        self.file_size = 0
        self.markdown = False
        self.declared = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.declared = bool(content_length)
        return None

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.file_size = 0
        self.markdown = any(str(file_name).lower().endswith(suffix) for suffix in MARKDOWN_SUFFIXES)

    def receive_data_chunk(self, raw_data, start):
        self.total += len(raw_data)
        self.file_size += len(raw_data)
        if self.total > settings.IMPORT_MAX_BYTES:
            self.refused = f"The upload is larger than {_megabytes(settings.IMPORT_MAX_BYTES)}; nothing was imported."
            # With a declared length (checked before), what is left to drop is at most FORM_OVERHEAD;
            # a body of unknown length is not read further.
            raise StopUpload(connection_reset=not self.declared)
        if self.markdown and self.file_size > settings.MARKDOWN_MAX_BYTES:
            self.refused = (
                f"{self.file_name}: larger than {settings.MARKDOWN_MAX_BYTES:,} bytes, the limit for one article "
                "(MARKDOWN_MAX_BYTES); nothing was imported."
            )
            raise StopUpload(connection_reset=False)  # the rest is read and dropped, so the page can answer
        return raw_data

    def file_complete(self, file_size):
        return None


def may_import(user) -> bool:
    return user.has_perms(["articles.add_article", "articles.change_article"]) and can_publish(user)


@csrf_exempt
def import_view(request):
    """GET: the upload form. POST: import and show the report, or the form with what is wrong.

    The rights are checked before the body is read; the CSRF token after them, in `_import`."""
    if not may_import(request.user):
        raise PermissionDenied("Importing articles needs the rights to add, change and publish articles.")
    length = str(request.META.get("CONTENT_LENGTH") or "0")
    declared = int(length) if length.isdigit() else 0
    if request.method == "POST" and declared > settings.IMPORT_MAX_BYTES + FORM_OVERHEAD:
        # Refused unread (so without its CSRF token, which is in the body): nothing is done.
        refused = (f"The upload is {_megabytes(declared)}; the limit is {_megabytes(settings.IMPORT_MAX_BYTES)}. "
                   "Nothing was read or imported.")
        return _form_page(request, ImportForm(), refused)
    limit = ImportLimitHandler(request)
    request.upload_handlers.insert(0, limit)
    return _import(request, limit)


def _context(request) -> dict:
    return {
        **admin.site.each_context(request),
        "title": "Import articles",
        "opts": Article._meta,
        "limits": limit_text(settings.IMPORT_MAX_FILES, settings.IMPORT_MAX_BYTES),
        "markdown_limit": _megabytes(settings.MARKDOWN_MAX_BYTES),
    }


def _form_page(request, form: ImportForm, refused: str = "") -> TemplateResponse:
    context = {**_context(request), "form": form, "refused": refused}
    return TemplateResponse(request, "admin/articles/import.html", context, status=400 if refused or form.errors else 200)


@csrf_protect
def _import(request, limit: ImportLimitHandler):
    context = _context(request)
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if limit.refused:
        return _form_page(request, ImportForm(), limit.refused)
    if form.is_bound and form.is_valid():
        try:
            archives = []
            try:
                sources = sources_from_uploads(form.cleaned_data["files"], archives)
                # Small batches and a deadline: images make renditions as they are written, so a
                # large upload stops in time and says what is left, instead of the worker being killed.
                # Each article written gets a revision, as an admin save does: its history shows the
                # import, and one deleted by mistake can be recovered.
                with reversion.create_revision():
                    reversion.set_user(request.user)
                    reversion.set_comment("Imported from Markdown")
                    report = import_files(
                        sources,
                        batch_size=ADMIN_BATCH_SIZE,
                        deadline=time.monotonic() + settings.IMPORT_MAX_SECONDS,
                        options=default_options(form.cleaned_data["dry_run"], form.cleaned_data["drafts"]),
                    )
            finally:
                for archive in archives:
                    archive.close()
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
    return _form_page(request, form)
