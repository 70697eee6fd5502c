package dev.peerlink.peer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Records a channel's open, messages and close. */
final class Inbox {
    final LinkedBlockingQueue<DataChannel.Message> messages = new LinkedBlockingQueue<>();
    final CountDownLatch opened = new CountDownLatch(1);
    final CountDownLatch closed = new CountDownLatch(1);

    static Inbox of(DataChannel channel) {
        Inbox inbox = new Inbox();
        channel.onOpen(inbox.opened::countDown).onMessage(inbox.messages::add).onClose(inbox.closed::countDown);
        return inbox;
    }

    void awaitOpen(Duration patience) throws InterruptedException {
        assertThat(opened.await(patience.toMillis(), TimeUnit.MILLISECONDS)).as("channel opened").isTrue();
    }

    void awaitClosed(Duration patience) throws InterruptedException {
        assertThat(closed.await(patience.toMillis(), TimeUnit.MILLISECONDS)).as("channel closed").isTrue();
    }

    DataChannel.Message next(Duration patience) throws InterruptedException {
        DataChannel.Message message = messages.poll(patience.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(message).as("a message within " + patience).isNotNull();
        return message;
    }
}
