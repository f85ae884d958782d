"""Fakes of pyttsx3's SAPI5 and NSSpeech drivers, at the driver boundary: pyttsx3's own
engine and driver proxy run as they do on Windows and macOS, and the fake driver (put
where `pyttsx3.init("sapi5")` imports it) writes the file the real one would: a WAV for
SAPI5, an AIFF for NSSpeech, copied from $FAKE_SPEECH_WAV / $FAKE_SPEECH_AIFF. What the
engine asked for is appended to $FAKE_SPEECH_LOG as JSON lines."""

import json
import os
import shutil
import sys
import types


def _module(name, source_env):
    class Driver:
        def __init__(self, proxy):
            from pyttsx3.voice import Voice

            self._proxy = proxy
            self._looping = False
            self._props = {
                "voices": [
                    Voice(f"{name}.zira", "Fake Zira", ["en-US"], "Female", None),
                    Voice(f"{name}.jorge", "Fake Jorge", ["es-ES"], "Male", None),
                ],
                "voice": None,
                "rate": 200,
                "volume": 1.0,
            }

        def _log(self, **entry):
            with open(os.environ["FAKE_SPEECH_LOG"], "a", encoding="utf-8") as f:
                f.write(json.dumps({"driver": name, **entry}) + "\n")

        def destroy(self):
            pass

        def startLoop(self):
            self._looping = True
            self._proxy.setBusy(False)

        def endLoop(self):
            self._looping = False

        def iterate(self):
            self._proxy.setBusy(False)
            yield

        def stop(self):
            pass

        def say(self, text):
            raise RuntimeError("no sound card in a test")

        def save_to_file(self, text, filename):
            self._proxy.setBusy(True)
            self._proxy.notify("started-utterance")
            self._log(
                text=text,
                voice=self._props["voice"],
                rate=self._props["rate"],
                volume=self._props["volume"],
                file=filename,
            )
            shutil.copyfile(os.environ[source_env], filename)
            self._proxy.notify("finished-utterance", completed=True)
            self._proxy.setBusy(False)

        def getProperty(self, key):
            return self._props[key]

        def setProperty(self, key, value):
            self._props[key] = value

    module = types.ModuleType(f"pyttsx3.drivers.{name}")
    module.buildDriver = Driver
    sys.modules[module.__name__] = module


_module("sapi5", "FAKE_SPEECH_WAV")
_module("nsss", "FAKE_SPEECH_AIFF")
