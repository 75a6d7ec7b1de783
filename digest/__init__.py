"""digest: fetch culture and news feeds, write an editor's blurb per item, mail a digest."""

__version__ = "0.1.0"
