FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY workers workers
COPY tasks tasks
COPY connectors connectors
COPY mapping mapping
COPY deadletter deadletter
COPY sandbox sandbox
RUN pip install --no-cache-dir .
RUN useradd --create-home tajo
USER tajo
CMD ["tajo", "--help"]
