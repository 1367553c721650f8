"""voiceguide: routine text → voice-guided MP3 with exact holds, breath prompts and chimes."""

__version__ = "0.1.0"
