"""The web reader (`storyline serve`): stories, storylines and pages as HTML and JSON.

`web.app.create_app(db)` is the ASGI app; views.py says what each page shows, charts.py draws,
security.py guards, uploads.py adds pages through the pipeline.
"""
