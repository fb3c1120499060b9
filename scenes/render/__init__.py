"""The render layer: run a scene's storyboard, capture one frame per held state, write GIF/MP4/WebM/PNG/JPG.

``capture`` drives Manim (imported only when a render runs); ``media`` encodes frames (numpy and Pillow only).
"""
