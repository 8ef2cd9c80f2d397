"""Stage 4, the PDF vocabulary the layout draws with: output profiles, colour and images through
LittleCMS, marks and boxes, PDF/X keys, the atomic write, imposition."""
