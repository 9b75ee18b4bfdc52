"""The file formats the readers take, by suffix: light, so listing a folder imports no reader."""

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
PDF_SUFFIXES = {".pdf"}
OFFICE_FORMATS = {".docx": "docx", ".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | PDF_SUFFIXES | set(OFFICE_FORMATS)
