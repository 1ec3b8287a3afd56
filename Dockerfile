# Built elsewhere (no Docker engine on the development machines):
#   docker build -t fetchline .
#   docker run -p 8080:8080 -v fetchline-data:/data -e FETCHLINE_SECURITY_APIKEYS=change-me fetchline
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml ./
RUN ./mvnw -B -ntp dependency:go-offline
COPY src src
RUN ./mvnw -B -ntp -DskipTests package \
 && cp target/fetchline-*.jar application.jar \
 && java -Djarmode=tools -jar application.jar extract --layers --destination /extracted

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /data fetchline \
 && mkdir -p /data && chown fetchline /data
WORKDIR /data
COPY --from=build /extracted/dependencies/ /app/
COPY --from=build /extracted/spring-boot-loader/ /app/
COPY --from=build /extracted/snapshot-dependencies/ /app/
COPY --from=build /extracted/application/ /app/
USER fetchline
ENV SERVER_ADDRESS=0.0.0.0 \
    FETCHLINE_STORAGE_ROOT=/data/downloads \
    SPRING_DATASOURCE_URL="jdbc:h2:file:/data/db/fetchline;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE"
VOLUME /data
EXPOSE 8080
# The JVM options README explains: a fixed heap, and a JIT that inlines less so it compiles faster.
ENTRYPOINT ["java", "-Xms160m", "-Xmx160m", "-XX:+AlwaysPreTouch", "-XX:MaxInlineLevel=9", "-XX:InlineSmallCode=1000", \
    "-jar", "/app/application.jar"]
