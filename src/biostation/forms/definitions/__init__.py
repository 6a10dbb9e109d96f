"""Form definitions as data (YAML); composed by biostation.forms.compose."""
