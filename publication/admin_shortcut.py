"""The admin's "View on site" shortcut (/admin/r/<content type>/<pk>/), for objects the user may view.

Django's own shortcut redirects any staff user to any object's address, which names a draft's
slug to someone who may not see the draft. This one answers only when the object's admin lets
this user view it (its queryset and has_view_permission, where the roles live), and 404
otherwise, exactly as for an object that does not exist.
"""

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import ValidationError
from django.http import Http404


def view_on_site(request, content_type_id, object_id):
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
    except ContentType.DoesNotExist:
        raise Http404("No such content type.") from None
    model_admin = admin.site._registry.get(model)
    if model_admin is None:
        raise Http404("Not an object of the admin.")
    obj = model_admin.get_queryset(request).filter(pk=object_id).first() if _valid_pk(model, object_id) else None
    if obj is None or not model_admin.has_view_permission(request, obj):
        raise Http404("No such object.")
    return shortcut(request, content_type_id, object_id)


def _valid_pk(model, object_id) -> bool:
    try:
        model._meta.pk.to_python(object_id)
    except ValidationError:  # a malformed id is a missing object, never a 500
        return False
    return True
