package dev.graphmem.neo4jdev;

import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.kernel.internal.Version;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;

/**
 * A Neo4j 5.26 DBMS for development and CI, for machines without Docker.
 *
 * <p>It runs Neo4j embedded with only the Bolt connector, bound to 127.0.0.1, and with authentication
 * on, so that clients behave as they would against a real server (wrong credentials are refused). The
 * password of the built-in {@code neo4j} user is set through the system database on the first start
 * and whenever {@code NEO4J_DEV_PASSWORD} changes.
 *
 * <p>Configuration, arguments first, then environment, then defaults:
 * <ul>
 *   <li>{@code --data DIR} / {@code NEO4J_DEV_DATA}: the Neo4j home (databases, transaction logs,
 *       debug.log); default {@code data} next to this project ({@code neo4j-dev/data}).</li>
 *   <li>{@code --port N} / {@code NEO4J_DEV_PORT}: Bolt port, default 7687.</li>
 *   <li>{@code NEO4J_DEV_PASSWORD}: password of user {@code neo4j}, default {@code graphmem-dev}.</li>
 *   <li>{@code --pagecache SIZE} / {@code NEO4J_DEV_PAGECACHE}: page cache such as {@code 512m}
 *       (the default).</li>
 * </ul>
 *
 * <p>A line starting with {@value #READY_PREFIX} is printed once Bolt accepts connections; the start
 * script waits for it. SIGTERM shuts the DBMS down cleanly through a shutdown hook.
 */
public final class Neo4jDevServer {

    static final String READY_PREFIX = "neo4j-dev: ready";
    private static final String LOG_PREFIX = "neo4j-dev: ";
    private static final String HOST = "127.0.0.1";
    private static final String USER = "neo4j";
    private static final String PASSWORD_MARKER = "neo4j-dev-password.sha256";
    private static final String SAME_PASSWORD_ERROR = "Old password and new password cannot be the same";

    private static volatile DatabaseManagementService dbms;

    private Neo4jDevServer() {}

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> options = parseArguments(args);
        Path home = Path.of(option(options, "data", "NEO4J_DEV_DATA", defaultHome().toString()))
                .toAbsolutePath()
                .normalize();
        // the password is read from the environment only, so that it never shows in a process list
        String password = option(Map.of(), "password", "NEO4J_DEV_PASSWORD", "graphmem-dev");
        int port = 0;
        long pageCache = 0;
        try {
            port = Integer.parseInt(option(options, "port", "NEO4J_DEV_PORT", "7687"));
            pageCache = parseBytes(option(options, "pagecache", "NEO4J_DEV_PAGECACHE", "512m"));
        } catch (NumberFormatException e) {
            usage("invalid port or page cache size: " + e.getMessage());
        }

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            DatabaseManagementService running = dbms;
            if (running != null) {
                log("stopping");
                running.shutdown();
                log("stopped");
            }
            stopped.countDown();
        }, "neo4j-dev-shutdown"));

        try {
            Files.createDirectories(home);
            boolean newSystemDatabase = !Files.isDirectory(home.resolve("data/databases/system"));
            log("starting Neo4j (home " + home + ", bolt " + HOST + ":" + port + ")");
            dbms = new DatabaseManagementServiceBuilder(home)
                    .setUserLogProvider(new Log4jLogProvider(System.out, Level.INFO))
                    .setConfig(GraphDatabaseSettings.auth_enabled, true)
                    .setConfig(GraphDatabaseSettings.default_listen_address, new SocketAddress(HOST))
                    .setConfig(GraphDatabaseSettings.default_advertised_address, new SocketAddress(HOST))
                    .setConfig(BoltConnector.enabled, true)
                    .setConfig(BoltConnector.listen_address, new SocketAddress(HOST, port))
                    .setConfig(BoltConnector.advertised_address, new SocketAddress(HOST, port))
                    .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                    // server-side routing is for clusters; keeping it off avoids a second port (7688)
                    .setConfig(GraphDatabaseSettings.routing_enabled, false)
                    .setConfig(GraphDatabaseSettings.pagecache_memory, pageCache)
                    .setConfig(GraphDatabaseSettings.udc_enabled, false)
                    // The databases are checkpointed and closed before Bolt stops; Bolt's default
                    // 5 s Netty quiet period, paid twice, only made every stop 10 s slower.
                    .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 1)
                    .build();
            log("DBMS started");
            GraphDatabaseService system = dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
            setPassword(system, home, password, newSystemDatabase);
            System.out.println(READY_PREFIX + " bolt://" + HOST + ":" + port + " (Neo4j "
                    + Version.getNeo4jVersion() + " community, user " + USER + ")");
            System.out.flush();
        } catch (RuntimeException | java.io.IOException e) {
            log("failed to start: " + e);
            e.printStackTrace(System.out);
            System.out.flush();
            // halt: a half-started DBMS may hold non-daemon threads that keep the JVM alive
            Runtime.getRuntime().halt(1);
        }
        stopped.await();
    }

    /**
     * Sets the password of {@code neo4j} and clears the "change required" flag of a new DBMS.
     *
     * <p>A salted hash of the password last set is kept in the Neo4j home, so that a restart with the
     * same password runs no Cypher at all (administration commands are slow to plan on a cold JVM).
     */
    private static void setPassword(
            GraphDatabaseService system, Path home, String password, boolean newSystemDatabase)
            throws java.io.IOException {
        Path marker = home.resolve(PASSWORD_MARKER);
        if (!newSystemDatabase
                && Files.isRegularFile(marker)
                && matches(Files.readString(marker).trim(), password)) {
            log("password of user " + USER + " unchanged");
            return;
        }
        try {
            system.executeTransactionally(
                    "ALTER USER " + USER + " SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("password", password));
        } catch (QueryExecutionException e) {
            if (!String.valueOf(e.getMessage()).contains(SAME_PASSWORD_ERROR)) {
                throw e;
            }
            // Neo4j refuses to set the same password again; the change-required flag may remain.
            system.executeTransactionally("ALTER USER " + USER + " SET PASSWORD CHANGE NOT REQUIRED");
        }
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        Files.writeString(marker, HexFormat.of().formatHex(salt) + ":" + hash(salt, password) + "\n");
        log("password of user " + USER + " set");
    }

    private static boolean matches(String marker, String password) {
        int colon = marker.indexOf(':');
        if (colon < 0) {
            return false;
        }
        try {
            byte[] salt = HexFormat.of().parseHex(marker.substring(0, colon));
            return MessageDigest.isEqual(
                    marker.substring(colon + 1).getBytes(StandardCharsets.US_ASCII),
                    hash(salt, password).getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String hash(byte[] salt, String password) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(salt);
            return HexFormat.of().formatHex(sha.digest(password.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The {@code data} folder next to this project: the jar lives in {@code neo4j-dev/target/}. */
    private static Path defaultHome() {
        try {
            Path jar = Path.of(Neo4jDevServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path target = jar.getParent(); // target/ for both target/neo4j-dev.jar and target/classes
            if (target != null && target.getParent() != null) {
                return target.getParent().resolve("data");
            }
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // fall through to the working directory
        }
        return Path.of("data");
    }

    private static Map<String, String> parseArguments(String[] args) {
        Map<String, String> options = new java.util.HashMap<>();
        List<String> known = List.of("data", "port", "pagecache");
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                usage("unexpected argument: " + arg);
            }
            String name = arg.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                usage("missing value for --" + name);
                return options;
            }
            if (!known.contains(name)) {
                usage("unknown option --" + name);
            }
            options.put(name, value);
        }
        return options;
    }

    private static String option(Map<String, String> options, String name, String env, String fallback) {
        String value = options.get(name);
        if (value == null || value.isEmpty()) {
            value = System.getenv(env);
        }
        return value == null || value.isEmpty() ? fallback : value;
    }

    /** Parses sizes such as {@code 512m}, {@code 1g} or a plain number of bytes. */
    static long parseBytes(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        long factor = 1;
        if (s.endsWith("k") || s.endsWith("m") || s.endsWith("g")) {
            char unit = s.charAt(s.length() - 1);
            factor = unit == 'k' ? 1L << 10 : unit == 'm' ? 1L << 20 : 1L << 30;
            s = s.substring(0, s.length() - 1);
        }
        return Long.parseLong(s) * factor;
    }

    private static void usage(String problem) {
        System.err.println(LOG_PREFIX + problem);
        System.err.println("usage: java -jar neo4j-dev.jar [--data DIR] [--port N] [--pagecache SIZE]");
        System.exit(2);
    }

    private static void log(String message) {
        System.out.println(java.time.Instant.now() + " " + LOG_PREFIX + message);
        System.out.flush();
    }
}
