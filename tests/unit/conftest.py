"""The unit tier: plain functions, at most an application context of a
bare Flask app with Babel and the add-on's default settings — no database,
no Flask-AppBuilder."""
import pytest
from flask import Flask
from flask_babel import Babel

from villageaid import defaults


@pytest.fixture
def context():
    """An application context: the add-on's settings (its defaults) and
    Babel, so that messages can be built (in English: no catalogue)."""
    app = Flask(__name__)
    defaults.apply(app.config)
    Babel(app)
    with app.app_context():
        yield app
