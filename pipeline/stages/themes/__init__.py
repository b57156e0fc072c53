"""stages/themes"""
