"""A module that is not a plugin: it has no OPS (JD601 when it is loaded)."""
