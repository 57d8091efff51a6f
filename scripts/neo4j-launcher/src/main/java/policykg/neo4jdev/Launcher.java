package policykg.neo4jdev;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.neo4j.configuration.Config;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Transaction;
import org.neo4j.graphdb.config.Setting;
import org.neo4j.internal.helpers.HostnamePort;
import org.neo4j.io.ByteUnit;
import org.neo4j.kernel.internal.GraphDatabaseAPI;
import org.neo4j.kernel.internal.Version;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;

/**
 * Development / test launcher: runs a Neo4j Community DBMS (embedded engine, Bolt on loopback)
 * until it is told to stop.
 *
 * <pre>
 * java [Neo4j JVM flags] -cp target/neo4j-launcher.jar:target/lib/* policykg.neo4jdev.Launcher \
 *      --home DIR [--port 7687] [--exit-on-stdin-eof]
 * </pre>
 *
 * Environment:
 * <ul>
 *   <li>{@code NEO4J_DEV_PASSWORD}: password of user {@code neo4j} (default {@code policykg-dev},
 *       at least 8 characters, Neo4j's default minimum);</li>
 *   <li>{@code NEO4J_DEV_PAGECACHE}: page cache size, Neo4j syntax such as {@code 256m}, {@code 1g}
 *       (default 256 MiB);</li>
 *   <li>{@code NEO4J_DEV_CONFIG}: extra neo4j.conf settings, {@code key=value} pairs separated by
 *       {@code ;} or new lines, e.g. {@code db.transaction.timeout=30s}. Unknown keys abort start-up.
 *       They are applied last and so override the launcher's own defaults.</li>
 * </ul>
 *
 * Standard output carries exactly one protocol line, {@code READY bolt://127.0.0.1:PORT}, printed
 * once {@code RETURN 1} has succeeded through the embedded API (with {@code --port 0} the port is the
 * one the OS chose). Neo4j's own user log goes to standard error; the debug log is
 * {@code HOME/logs/debug.log}. The DBMS is shut down cleanly on SIGTERM/SIGINT (shutdown hook) and,
 * with {@code --exit-on-stdin-eof}, when standard input reaches end of file.
 */
public final class Launcher {

    static final String DEFAULT_PASSWORD = "policykg-dev";
    static final String DEFAULT_PAGECACHE = "256m";
    static final String USER = "neo4j";
    static final long STARTUP_TX_TIMEOUT_SECONDS = 120;

    private static final Object LOCK = new Object();
    private static DatabaseManagementService dbms;
    private static boolean shutDown;

    private Launcher() {}

    public static void main(String[] args) throws Exception {
        Path home = null;
        int port = 7687;
        boolean exitOnStdinEof = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--home" -> home = Path.of(requireValue(args, ++i, "--home"));
                case "--port" -> port = Integer.parseInt(requireValue(args, ++i, "--port"));
                case "--exit-on-stdin-eof" -> exitOnStdinEof = true;
                case "-h", "--help" -> {
                    System.out.println("usage: Launcher --home DIR [--port PORT] [--exit-on-stdin-eof]");
                    return;
                }
                default -> fail("unknown argument: " + args[i]);
            }
        }
        if (home == null) {
            fail("--home DIR is required");
        }
        if (port < 0 || port > 65535) {
            fail("--port must be between 0 and 65535");
        }
        home = home.toAbsolutePath().normalize();
        Files.createDirectories(home);
        Path importDir = Files.createDirectories(home.resolve("import"));

        String password = envOr("NEO4J_DEV_PASSWORD", DEFAULT_PASSWORD);
        String pagecache = envOr("NEO4J_DEV_PAGECACHE", DEFAULT_PAGECACHE);
        Map<String, String> extra = parseExtraConfig(envOr("NEO4J_DEV_CONFIG", ""));

        PrintStream err = System.err;
        err.println("neo4j-launcher: Neo4j " + Version.getNeo4jVersion() + ", home " + home
                + ", bolt 127.0.0.1:" + port + ", page cache " + pagecache);

        Runtime.getRuntime().addShutdownHook(new Thread(Launcher::shutdown, "neo4j-launcher-shutdown"));

        int boltPort;
        try {
            DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home)
                    .setUserLogProvider(new Log4jLogProvider(err, Level.INFO))
                    .setConfig(BoltConnector.enabled, true)
                    .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                    .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                    .setConfig(HttpConnector.enabled, false)
                    .setConfig(HttpsConnector.enabled, false)
                    // Embedded mode defaults to auth disabled; we want real authentication so
                    // that clients can be tested with a wrong password.
                    .setConfig(GraphDatabaseSettings.auth_enabled, true)
                    // Always explicit: the default sizes the page cache from the machine's memory.
                    .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.parse(pagecache))
                    // No usage reports: this machine must not phone home (dbms.usage_report.enabled).
                    .setConfig(GraphDatabaseSettings.udc_enabled, false)
                    // Like the packaged server: LOAD CSV file:/// URLs resolve inside HOME/import
                    // only (embedded mode otherwise lets LOAD CSV read any file on the machine).
                    .setConfig(GraphDatabaseSettings.load_csv_file_url_root, importDir)
                    // Bolt's Netty loops otherwise wait a 5 s quiet period twice on shutdown
                    // (10 s per stop); a dev/test server has nothing to drain once its
                    // connections are closed.
                    .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0);
            applyExtraConfig(builder, extra);

            synchronized (LOCK) {
                if (shutDown) {
                    return; // a signal arrived before start-up
                }
                dbms = builder.build();
            }

            setInitialPassword(dbms, password);

            GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
            try (Transaction tx = db.beginTx(STARTUP_TX_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                Object one = tx.execute("RETURN 1 AS one").next().get("one");
                if (!(one instanceof Number n) || n.longValue() != 1L) {
                    throw new IllegalStateException("RETURN 1 returned " + one);
                }
                tx.commit();
            }
            boltPort = boundBoltPort(db, port);
        } catch (Throwable t) {
            // Neo4j's non-daemon threads would keep a half-started JVM alive: stop it for good.
            t.printStackTrace(err);
            err.println("neo4j-launcher: start-up failed: " + rootMessage(t));
            shutdown();
            System.exit(1);
            return;
        }

        CountDownLatch stop = new CountDownLatch(1);
        if (exitOnStdinEof) {
            Thread watcher = new Thread(() -> {
                drain(System.in);
                err.println("neo4j-launcher: standard input closed, shutting down");
                stop.countDown();
            }, "neo4j-launcher-stdin");
            watcher.setDaemon(true);
            watcher.start();
        }

        System.out.println("READY bolt://127.0.0.1:" + boltPort);
        System.out.flush();

        stop.await(); // without --exit-on-stdin-eof only a signal (shutdown hook) ends the process
        shutdown();
        System.exit(0);
    }

    /**
     * Sets the password of user {@code neo4j} and clears its "change required" flag. With
     * auth enabled, a fresh system database creates {@code neo4j}/{@code neo4j} with a password
     * change required; embedded transactions run with full rights, so the administration command
     * can be run directly on the {@code system} database. Re-running with the same password makes
     * Neo4j answer "Old password and new password cannot be the same", which means it is already set.
     */
    static void setInitialPassword(DatabaseManagementService service, String password) {
        GraphDatabaseService system = service.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        // An explicit timeout, so that a short db.transaction.timeout given through
        // NEO4J_DEV_CONFIG cannot cut this (slow, first-compiled) command short.
        try (Transaction tx = system.beginTx(STARTUP_TX_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            tx.execute("ALTER USER " + USER + " SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("password", password)).close();
            tx.commit();
            System.err.println("neo4j-launcher: password of user '" + USER + "' set");
        } catch (RuntimeException e) {
            String msg = String.valueOf(messageChain(e));
            if (msg.contains("cannot be the same")) {
                System.err.println("neo4j-launcher: password of user '" + USER + "' already set");
            } else {
                throw e;
            }
        }
    }

    private static int boundBoltPort(GraphDatabaseService db, int requested) {
        try {
            ConnectorPortRegister ports = ((GraphDatabaseAPI) db).getDependencyResolver()
                    .resolveDependency(ConnectorPortRegister.class);
            HostnamePort bound = ports.getLocalAddress(ConnectorType.BOLT);
            if (bound != null) {
                return bound.getPort();
            }
        } catch (RuntimeException e) {
            System.err.println("neo4j-launcher: could not read the bound Bolt port: " + e);
        }
        return requested;
    }

    static void shutdown() {
        synchronized (LOCK) {
            if (shutDown) {
                return;
            }
            shutDown = true;
            if (dbms != null) {
                System.err.println("neo4j-launcher: shutting down");
                try {
                    dbms.shutdown();
                    System.err.println("neo4j-launcher: stopped cleanly");
                } catch (RuntimeException e) {
                    System.err.println("neo4j-launcher: error during shutdown: " + e);
                    e.printStackTrace(System.err);
                }
            }
        }
    }

    /** Validates raw neo4j.conf-style settings (strictly) and passes them to the builder. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void applyExtraConfig(DatabaseManagementServiceBuilder builder, Map<String, String> raw) {
        if (raw.isEmpty()) {
            return;
        }
        Config parsed = Config.newBuilder().setRaw(raw).build(); // throws on unknown keys / bad values
        for (String key : raw.keySet()) {
            Setting<Object> setting = parsed.getSetting(key);
            builder.setConfig((Setting) setting, parsed.get(setting));
            System.err.println("neo4j-launcher: config " + key + "=" + raw.get(key));
        }
    }

    static Map<String, String> parseExtraConfig(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : text.split("[;\n]")) {
            String item = part.strip();
            if (item.isEmpty() || item.startsWith("#")) {
                continue;
            }
            int eq = item.indexOf('=');
            if (eq <= 0) {
                fail("NEO4J_DEV_CONFIG: expected key=value, got '" + item + "'");
            }
            out.put(item.substring(0, eq).strip(), item.substring(eq + 1).strip());
        }
        return out;
    }

    private static void drain(InputStream in) {
        byte[] buf = new byte[512];
        try {
            while (in.read(buf) >= 0) {
                // ignore input; only end of file matters
            }
        } catch (IOException e) {
            // treat a broken stdin like end of file
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    private static String messageChain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getMessage()).append(" | ");
            if (c.getCause() == c) {
                break;
            }
        }
        return sb.toString();
    }

    private static String envOr(String name, String dflt) {
        String v = System.getenv(name);
        return v == null || v.isEmpty() ? dflt : v;
    }

    private static String requireValue(String[] args, int i, String flag) {
        if (i >= args.length) {
            fail(flag + " needs a value");
        }
        return args[i];
    }

    private static void fail(String message) {
        System.err.println("neo4j-launcher: " + message);
        System.exit(2);
    }
}
