"""Stage 6, reading PDFs back: the read-back against the print record (verify), the clreq
typography report, preflight, page previews."""
