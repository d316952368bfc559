"""The markdownx editor's two endpoints, for logged-in staff only.

The live preview is django-markdownx's own view, behind a staff check, a size limit and one
render at a time per editor; its function (MARKDOWNX_MARKDOWNIFY_FUNCTION) is `page_body`, the
body exactly as readers get it. django-markdownx's upload view trusts the browser's file name
and content type; `upload_image` replaces it: body images go through the same validation as
hero images (articles.images) and are stored at full size.
"""

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.views.decorators.http import require_POST

from ..images import check_size, store_image
from ..markdown import body_size_error, render_markdown
from ..models import PreviewRender
from ..renditions import responsive_body_images

# Longest a preview may hold its editor's turn: a render takes well under a second, and the turn
# of a worker that died mid-render is taken over after this.
PREVIEW_TURN_SECONDS = 30


def page_body(text: str) -> str:
    """A body's HTML as the article page shows it (Article.prepare_for_save stores the same)."""
    return responsive_body_images(render_markdown(text))


@require_POST
@staff_member_required
def markdownify(request):
    from markdownx.views import MarkdownifyView  # reads MARKDOWNX_MARKDOWNIFY_FUNCTION, this module's

    content = request.POST.get("content")
    if content is None:
        return HttpResponseBadRequest("No content was sent.", content_type="text/plain")
    if error := body_size_error(content):
        return HttpResponse(error, status=413, content_type="text/plain")
    # One render at a time per editor, across every worker and machine (the turn is a database
    # row): a second request while the first renders is told to retry, not queued behind it.
    turn = PreviewRender.objects.claim(request.user, stale_after=PREVIEW_TURN_SECONDS)
    if turn is None:
        response = HttpResponse("A preview of this editor is being made; try again in a moment.",
                                status=429, content_type="text/plain")
        response["Retry-After"] = "1"
        return response
    try:
        return MarkdownifyView.as_view()(request)
    finally:
        PreviewRender.objects.release(request.user, turn)


@require_POST
@staff_member_required
def upload_image(request):
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"image": ["No image was sent."]}, status=400)
    try:
        check_size(upload.size)  # before reading it into memory
        name = store_image(upload.read(), settings.MARKDOWNX_MEDIA_PATH)
    except ValidationError as error:
        return JsonResponse({"image": error.messages}, status=400)
    return JsonResponse({"image_code": f"![]({settings.MEDIA_URL}{name})"})
