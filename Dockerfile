# The same image as `dotnet publish WhoAmI /t:PublishContainer`, built by Docker: docker build -t whoami:2.0 .
# The build stage alone keeps the whole toolchain: docker build --target build -t whoami-build .
# Both architectures (BuildKit): docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/whoami:2.0 --push .
# BASE_IMAGE_REGISTRY/BASE_IMAGE_NAME and HTTP_PORT are WhoAmI/WhoAmI.csproj's ContainerBaseImage and WhoAmIHttpPort; a test keeps them equal.
ARG BASE_IMAGE_REGISTRY=mcr.microsoft.com
ARG BASE_IMAGE_NAME=dotnet/runtime-deps:10.0-noble-chiseled
ARG BASE_IMAGE_DIGEST=
ARG SDK_IMAGE_NAME=dotnet/sdk:10.0-noble-aot
ARG HTTP_PORT=8080

# Build stage: the SDK with the Native AOT toolchain, always on the machine's own platform (BUILDPLATFORM): for
# another target platform it cross-compiles, as the -aot SDK images are made to, instead of running under emulation.
# BuildKit sets BUILDPLATFORM and TARGETARCH, whose names (amd64, arm64) `dotnet publish -a` takes as they are. The
# classic builder sets neither and builds for the SDK image's own architecture. Not `ARG BUILDPLATFORM=linux/amd64`:
# a declared default would win over BuildKit's own value.
FROM --platform=${BUILDPLATFORM:-linux/amd64} ${BASE_IMAGE_REGISTRY}/${SDK_IMAGE_NAME} AS build
ARG BASE_IMAGE_REGISTRY
ARG BASE_IMAGE_DIGEST
ARG SOURCE_URL=unknown
ARG SOURCE_REVISION=unknown
ARG SOURCE_DATE_EPOCH=
ARG TARGETARCH
WORKDIR /source
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY .config/ .config/
COPY WhoAmI/WhoAmI.csproj WhoAmI/
COPY WhoAmI/build/ WhoAmI/build/
RUN dotnet restore WhoAmI -a "${TARGETARCH:-$(dpkg --print-architecture)}" && dotnet tool restore
COPY WhoAmI/ WhoAmI/
RUN dotnet publish WhoAmI -c Release -a "${TARGETARCH:-$(dpkg --print-architecture)}" --no-restore -o /app \
      -p:BaseImageRegistry=${BASE_IMAGE_REGISTRY} -p:BaseImageDigest=${BASE_IMAGE_DIGEST} \
      -p:WhoAmISourceUrl=${SOURCE_URL} -p:WhoAmISourceRevision=${SOURCE_REVISION}
WORKDIR /app
CMD ["/app/WhoAmI"]

# Final stage: the chiseled runtime-deps base, the binary, its SBOM and nothing else
FROM ${BASE_IMAGE_REGISTRY}/${BASE_IMAGE_NAME}${BASE_IMAGE_DIGEST:+@}${BASE_IMAGE_DIGEST}
ARG BASE_IMAGE_REGISTRY
ARG BASE_IMAGE_NAME
ARG BASE_IMAGE_DIGEST
ARG HTTP_PORT
ARG SOURCE_URL=unknown
ARG SOURCE_REVISION=unknown
LABEL org.opencontainers.image.title="WhoAmI" \
      org.opencontainers.artifact.description="Answers GET /whoami with the host name of the machine (or container) it runs on." \
      org.opencontainers.image.description="Answers GET /whoami with the host name of the machine (or container) it runs on." \
      org.opencontainers.image.version="2.0.0" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.revision="${SOURCE_REVISION}" \
      org.opencontainers.image.base.name="${BASE_IMAGE_REGISTRY}/${BASE_IMAGE_NAME}${BASE_IMAGE_DIGEST:+@}${BASE_IMAGE_DIGEST}" \
      org.opencontainers.image.base.digest="${BASE_IMAGE_DIGEST}"
# The image listens where the binary's default does, whatever the base image says.
ENV ASPNETCORE_HTTP_PORTS=${HTTP_PORT}
WORKDIR /app
COPY --from=build /app/ .
USER $APP_UID
EXPOSE ${HTTP_PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=2s CMD ["/app/WhoAmI", "--probe"]
ENTRYPOINT ["/app/WhoAmI"]
