"""Access to data: open, embargoed, controlled (committee review of DUO-matched requests), private lab space,
reviewer links and emergency opening. Other domains call ``station.access`` (see service.AccessService)."""
