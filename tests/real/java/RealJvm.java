// A JVM with threads and sockets, for tests/real/check_jvm.py: prints only
// what is deterministic, and exits with status 3 (System.exit).
//
//  - a blocking echo server (ServerSocket on 127.0.0.1, a pool of 8
//    threads) and 16 client threads, each making 25 connections, 10 lines
//    per connection, every answer checked;
//  - an NIO echo server (a Selector, non-blocking SocketChannels) and 8
//    clients on SocketChannels;
//  - files: 50 temp files written and read through FileChannel and
//    buffered streams by 4 threads, a directory walked, then deleted;
//  - a process (ProcessBuilder: /bin/sh) whose output is read back;
//  - a pipe (java.nio.channels.Pipe) between two threads.
import java.io.*;
import java.net.*;
import java.nio.ByteBuffer;
import java.nio.channels.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.security.MessageDigest;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;

public class RealJvm {
  static String hex(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (byte x : b) s.append(String.format("%02x", x));
    return s.toString();
  }

  static void blockingEcho() throws Exception {
    ServerSocket server = new ServerSocket(0, 64, InetAddress.getByName("127.0.0.1"));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    Thread acceptor = new Thread(() -> {
      try {
        while (true) {
          Socket s = server.accept();
          pool.submit(() -> {
            try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                 PrintWriter out = new PrintWriter(new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8), true)) {
              String line;
              while ((line = in.readLine()) != null) out.println(line.toUpperCase());
            } catch (IOException e) {
              System.err.println("server: " + e);
            }
            return null;
          });
        }
      } catch (IOException closed) {
        // the server socket was closed: done
      }
    }, "acceptor");
    acceptor.start();
    int port = server.getLocalPort();
    AtomicInteger ok = new AtomicInteger(), bad = new AtomicInteger();
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < 16; ++c) {
      final int id = c;
      Thread t = new Thread(() -> {
        for (int k = 0; k < 25; ++k) {
          try (Socket s = new Socket("127.0.0.1", port);
               BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
               PrintWriter out = new PrintWriter(new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8), true)) {
            for (int l = 0; l < 10; ++l) {
              String msg = "client " + id + " conn " + k + " line " + l;
              out.println(msg);
              if (msg.toUpperCase().equals(in.readLine())) ok.incrementAndGet(); else bad.incrementAndGet();
            }
          } catch (IOException e) {
            bad.incrementAndGet();
            System.err.println("client: " + e);
          }
        }
      }, "client-" + c);
      clients.add(t);
      t.start();
    }
    for (Thread t : clients) t.join();
    server.close();
    acceptor.join();
    pool.shutdown();
    pool.awaitTermination(30, TimeUnit.SECONDS);
    System.out.println("blocking echo: " + ok.get() + " lines ok, " + bad.get() + " bad");
  }

  static void nioEcho() throws Exception {
    Selector selector = Selector.open();
    ServerSocketChannel server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress("127.0.0.1", 0));
    server.configureBlocking(false);
    server.register(selector, SelectionKey.OP_ACCEPT);
    int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
    AtomicBoolean stop = new AtomicBoolean();
    Thread loop = new Thread(() -> {
      try {
        while (!stop.get()) {
          selector.select(100);
          Iterator<SelectionKey> it = selector.selectedKeys().iterator();
          while (it.hasNext()) {
            SelectionKey key = it.next();
            it.remove();
            if (key.isAcceptable()) {
              SocketChannel c = server.accept();
              if (c == null) continue;
              c.configureBlocking(false);
              c.register(selector, SelectionKey.OP_READ, ByteBuffer.allocate(4096));
            } else if (key.isReadable()) {
              SocketChannel c = (SocketChannel) key.channel();
              ByteBuffer buf = (ByteBuffer) key.attachment();
              int n = c.read(buf);
              if (n < 0) {
                key.cancel();
                c.close();
                continue;
              }
              buf.flip();
              while (buf.hasRemaining()) c.write(buf);
              buf.clear();
            }
          }
        }
        for (SelectionKey k : selector.keys()) k.channel().close();
        selector.close();
      } catch (IOException e) {
        System.err.println("nio: " + e);
      }
    }, "nio-loop");
    loop.start();
    AtomicLong bytes = new AtomicLong();
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < 8; ++c) {
      final int id = c;
      Thread t = new Thread(() -> {
        try (SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
          byte[] payload = new byte[20000];
          for (int i = 0; i < payload.length; ++i) payload[i] = (byte) (i * 31 + id);
          ch.write(ByteBuffer.wrap(payload));
          ByteBuffer back = ByteBuffer.allocate(payload.length);
          while (back.hasRemaining() && ch.read(back) >= 0) {}
          if (Arrays.equals(back.array(), payload)) bytes.addAndGet(payload.length);
        } catch (IOException e) {
          System.err.println("nio client: " + e);
        }
      }, "nio-client-" + c);
      clients.add(t);
      t.start();
    }
    for (Thread t : clients) t.join();
    stop.set(true);
    loop.join();
    System.out.println("nio echo: " + bytes.get() + " bytes back intact");
  }

  static void files() throws Exception {
    Path dir = Files.createTempDirectory("realjvm");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<String>> sums = new ArrayList<>();
    for (int i = 0; i < 50; ++i) {
      final int id = i;
      sums.add(pool.submit(() -> {
        Path p = dir.resolve("file-" + id + ".txt");
        try (BufferedWriter w = Files.newBufferedWriter(p)) {
          for (int l = 0; l < 200; ++l) w.write("file " + id + " line " + l + "\n");
        }
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
          ByteBuffer b = ByteBuffer.allocate(8192);
          while (ch.read(b) > 0) {
            b.flip();
            md.update(b);
            b.clear();
          }
        }
        return hex(md.digest());
      }));
    }
    MessageDigest all = MessageDigest.getInstance("SHA-256");
    for (Future<String> f : sums) all.update(f.get().getBytes(StandardCharsets.UTF_8));
    pool.shutdown();
    long n;
    try (var walk = Files.walk(dir)) {
      n = walk.filter(Files::isRegularFile).count();
    }
    try (var walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    System.out.println("files: " + n + " written and read, digest " + hex(all.digest()).substring(0, 16)
        + ", directory removed " + !Files.exists(dir));
  }

  static void process() throws Exception {
    Process p = new ProcessBuilder("/bin/sh", "-c", "echo from a child; echo to stderr >&2; exit 5")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    System.out.println("process: exit " + p.waitFor() + ", output " + out.trim().replace('\n', '|'));
  }

  static void pipe() throws Exception {
    Pipe pipe = Pipe.open();
    Thread writer = new Thread(() -> {
      try (Pipe.SinkChannel sink = pipe.sink()) {
        for (int i = 0; i < 1000; ++i) sink.write(ByteBuffer.wrap(("chunk " + i + "\n").getBytes(StandardCharsets.UTF_8)));
      } catch (IOException e) {
        System.err.println("pipe: " + e);
      }
    }, "pipe-writer");
    writer.start();
    long total = 0;
    try (Pipe.SourceChannel source = pipe.source()) {
      ByteBuffer b = ByteBuffer.allocate(1000);
      int n;
      while ((n = source.read(b)) >= 0) {
        total += n;
        b.clear();
      }
    }
    writer.join();
    System.out.println("pipe: " + total + " bytes");
  }

  public static void main(String[] args) throws Exception {
    blockingEcho();
    nioEcho();
    files();
    process();
    pipe();
    System.out.println("threads still running: " + Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !t.isDaemon() && t != Thread.currentThread() && t.isAlive()).count());
    System.out.flush();
    System.exit(3);
  }
}
