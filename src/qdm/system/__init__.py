"""Management-system foundation (platform 7.2):
integrated management systems, controlled documents, nonconformities, CAPA and 8D, audits,
management review.
"""
