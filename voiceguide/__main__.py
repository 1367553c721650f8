from voiceguide.cli import app

app(prog_name="voiceguide")
