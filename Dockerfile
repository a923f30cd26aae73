# Switchboard container image. Untested on the development machine (no Docker engine there).
#   docker build -t switchboard .
#   docker run -p 8080:8080 -e OPENAI_API_KEY -e SWITCHBOARD_ADMIN_KEY=sb-choose-a-long-secret switchboard
# It listens on 0.0.0.0, so every request needs a key: SWITCHBOARD_ADMIN_KEY, or keys made with it.
# Stored provider secrets are encrypted under SWITCHBOARD_MASTER_KEY (or /app/.switchboard/master.key,
# made on first start: keep the volume, or the secrets cannot be read again).

# --- build -------------------------------------------------------------------------------------
FROM swift:6.3-bookworm AS build
WORKDIR /src
# Resolve dependencies first so that source edits do not refetch them.
COPY Package.swift ./
RUN swift package resolve --scratch-path .build-release
COPY Sources ./Sources
COPY Tests ./Tests
COPY scripts ./scripts
RUN bin=$(scripts/build-release.sh --static-swift-stdlib --product switchboard) \
 && mkdir /out && cp "$bin/switchboard" /out/

# --- run ---------------------------------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /app --create-home switchboard
WORKDIR /app
COPY --from=build /out/switchboard /usr/local/bin/switchboard
COPY config ./config
RUN mkdir -p /app/.switchboard && chown -R switchboard /app
USER switchboard
ENV SWITCHBOARD_HOST=0.0.0.0 \
    SWITCHBOARD_PORT=8080 \
    SWITCHBOARD_CONFIG=/app/config/switchboard.yaml
VOLUME ["/app/config", "/app/.switchboard"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=2s --start-period=5s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["switchboard"]
CMD ["serve"]
