"""Input media and videos on this machine: where an input comes from (sources.py), what it
is (probe.py, video.py), whether it is allowed (check.py), all of it for a request
(inputs.py), and its upload (upload.py); shots joined into one film (stitch.py, with
clips.py, remux.py and reencode.py); posters (video.py) and a copy with Opus sound for
players without AAC (opus.py). PyAV, NumPy and Pillow are imported on first use."""
