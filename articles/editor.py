"""The markdownx editor's two endpoints, for logged-in staff only.

django-markdownx's own views have no permission check, do not sanitise, and trust the
browser's file name and content type; these replace them. Body images go through the same
validation as hero images (articles.images) and are stored at full size.
"""

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_POST

from .images import check_size, store_image
from .markdown import render_markdown


@require_POST
@staff_member_required
def markdownify(request):
    return HttpResponse(render_markdown(request.POST.get("content", "")))


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
