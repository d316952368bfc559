"""The markdownx editor's two endpoints, for logged-in staff only.

django-markdownx's own views have no permission check, do not sanitise, and trust the
browser's file name and content type; these replace them.
"""

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_POST

from .images import store_image
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
    if upload.size > settings.IMAGE_UPLOAD_MAX_BYTES:
        limit = settings.IMAGE_UPLOAD_MAX_BYTES / 1e6
        return JsonResponse({"image": [f"The image is over the {limit:.0f} MB limit."]}, status=400)
    try:
        name = store_image(upload.read(), settings.MARKDOWNX_MEDIA_PATH)
    except ValidationError as error:
        return JsonResponse({"image": error.messages}, status=400)
    return JsonResponse({"image_code": f"![]({settings.MEDIA_URL}{name})"})
