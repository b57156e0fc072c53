"""stages/report"""
