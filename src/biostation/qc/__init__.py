"""Quality control of deposited files: sniff the format, validate with the field's library, measure, grade.

Entry point for the station: :func:`biostation.qc.service.check_file`.
"""
