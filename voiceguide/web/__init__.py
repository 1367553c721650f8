"""The local web page of `voiceguide serve`: paste a routine, change its holds, listen, download.

`api` turns the page's JSON into pipeline calls, `app` serves it over HTTP with its guards,
`server` runs it on 127.0.0.1; the page itself is plain HTML, CSS and JavaScript in `static/`.
"""
