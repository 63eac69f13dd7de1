# The same image as `dotnet publish WhoAmI -t:PublishContainer`, built by Docker: docker build -t whoami:2.0 .
# The build stage alone keeps the whole toolchain: docker build --target build -t whoami:1.0 .
# Another architecture (BuildKit): docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/whoami:2.0 --push .
ARG BASE_IMAGE_REGISTRY=mcr.microsoft.com
ARG BASE_IMAGE_DIGEST=

# Build stage: the SDK with the Native AOT toolchain, always on the machine's own platform (BUILDPLATFORM): for
# another target platform it cross-compiles, as the -aot SDK images are made to, instead of running under emulation.
# BuildKit sets BUILDPLATFORM and TARGETARCH. The classic builder (Docker before 23 without BuildKit) sets neither
# and builds linux/amd64 (use BuildKit on an arm64 machine). Not `ARG BUILDPLATFORM=linux/amd64`: a declared
# default would win over BuildKit's own value.
FROM --platform=${BUILDPLATFORM:-linux/amd64} ${BASE_IMAGE_REGISTRY}/dotnet/sdk:10.0-noble-aot AS build
ARG BASE_IMAGE_REGISTRY
ARG BASE_IMAGE_DIGEST
ARG SOURCE_URL=unknown
ARG SOURCE_REVISION=unknown
ARG SOURCE_DATE_EPOCH=
ARG TARGETARCH
WORKDIR /source
# The runtime identifier of the target platform, in one place for the two steps below.
RUN case "${TARGETARCH:-$(dpkg --print-architecture)}" in \
      amd64) echo linux-x64 ;; arm64) echo linux-arm64 ;; \
      *) echo "WhoAmI builds linux/amd64 and linux/arm64, not ${TARGETARCH}" >&2; exit 2 ;; \
    esac >/tmp/rid
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY .config/ .config/
COPY WhoAmI/WhoAmI.csproj WhoAmI/Sbom.targets WhoAmI/
RUN dotnet restore WhoAmI -r "$(cat /tmp/rid)" && dotnet tool restore
COPY eng/sbom/ eng/sbom/
COPY WhoAmI/ WhoAmI/
RUN dotnet publish WhoAmI -c Release -r "$(cat /tmp/rid)" --no-restore -o /app \
      -p:BaseImageRegistry=${BASE_IMAGE_REGISTRY} -p:BaseImageDigest=${BASE_IMAGE_DIGEST} \
      -p:WhoAmISourceUrl=${SOURCE_URL} -p:WhoAmISourceRevision=${SOURCE_REVISION}
WORKDIR /app
CMD ["/app/WhoAmI"]

# Final stage: the chiseled runtime-deps base, the binary, its SBOM and nothing else
FROM ${BASE_IMAGE_REGISTRY}/dotnet/runtime-deps:10.0-noble-chiseled${BASE_IMAGE_DIGEST:+@}${BASE_IMAGE_DIGEST}
ARG BASE_IMAGE_REGISTRY
ARG BASE_IMAGE_DIGEST
ARG SOURCE_URL=unknown
ARG SOURCE_REVISION=unknown
LABEL org.opencontainers.image.title="WhoAmI" \
      org.opencontainers.artifact.description="Answers GET /whoami with the host name of the machine (or container) it runs on." \
      org.opencontainers.image.description="Answers GET /whoami with the host name of the machine (or container) it runs on." \
      org.opencontainers.image.version="2.0.0" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.revision="${SOURCE_REVISION}" \
      org.opencontainers.image.base.name="${BASE_IMAGE_REGISTRY}/dotnet/runtime-deps:10.0-noble-chiseled${BASE_IMAGE_DIGEST:+@}${BASE_IMAGE_DIGEST}" \
      org.opencontainers.image.base.digest="${BASE_IMAGE_DIGEST}"
WORKDIR /app
COPY --from=build /app/ .
USER $APP_UID
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=2s CMD ["/app/WhoAmI", "--probe"]
ENTRYPOINT ["/app/WhoAmI"]
