"""Maps: the page shell, recipe rendering, query maps, embedding (iframe, PNG) and the
JS/CSS runtime in ``static/`` (one drawing class per runtime kind, one popup builder)."""
