"""`audioguide studio`: a local web app where staff edit, listen to and rebuild a guide.

`app.create_app` is a Flask app factory with one blueprint per concern (`pages`: what
staff read, `edits`: what changes a script, `sound`: sentences and previews, `builds`:
the Build button, `files`: the published folder); `server.serve` runs it with waitress
on 127.0.0.1; `command` is its click command. Every pipeline call goes through
`pipeline`. Nothing here is imported by the other commands: Flask loads only for this.
"""
