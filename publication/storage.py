from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed, cached-forever names after `collectstatic`.

    Before `collectstatic` has run, `{% static %}` falls back to the plain name, which
    whitenoise serves from static/ through its finders, so the site still has its CSS.
    """

    manifest_strict = False

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:  # not collected yet
            return name
