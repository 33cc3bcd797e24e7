"""Record real traffic, replay it offline: cassettes with secrets scrubbed.

- :mod:`~oai_mock.recording.cassette`: the cassette file format (readable YAML, versioned,
  validated on load with file and line).
- :mod:`~oai_mock.recording.proxy`: ``oai-mock record``, a recording proxy.
- :mod:`~oai_mock.recording.replay`: :class:`~oai_mock.recording.replay.ReplaySource`, recorded
  answers for a fake (``oai-mock serve --replay``, ``@pytest.mark.oai_mock(cassette=...)``).
- :mod:`~oai_mock.recording.timing`: timing profiles that pace answers like a real model.

Nothing is imported here, so that the command line loads PyYAML only when it records or
replays.
"""
