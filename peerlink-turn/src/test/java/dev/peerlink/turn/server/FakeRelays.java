package dev.peerlink.turn.server;

import dev.peerlink.turn.wire.AddressFamilyAttribute;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A relay allocator that hands out addresses as values and records what it was asked; no socket is opened. */
final class FakeRelays implements RelayAllocator {
    record Handle(int id, InetSocketAddress address) implements RelayHandle {
    }

    final InetAddress ipv4;
    final InetAddress ipv6;
    final List<RelayRequest> requests = new ArrayList<>();
    final List<Handle> handles = new ArrayList<>();
    final List<RelayHandle> released = new ArrayList<>();
    final List<Long> cancelledReservations = new ArrayList<>();
    final Map<Long, Integer> reserved = new HashMap<>();
    int capacity = Integer.MAX_VALUE;
    boolean ipv6Fails;
    private int open;
    private int nextPort = 49153; // odd on purpose, so that EVEN has something to do

    FakeRelays(InetAddress ipv4, InetAddress ipv6) {
        this.ipv4 = ipv4;
        this.ipv6 = ipv6;
    }

    @Override
    public RelayResult allocate(RelayRequest request) {
        requests.add(request);
        if (open >= capacity) {
            return new RelayResult.Unavailable("no port left");
        }
        if (request.family() == AddressFamilyAttribute.IPV6 && ipv6Fails) {
            return new RelayResult.Unavailable("IPv6 bind failed");
        }
        int port;
        switch (request.portRule()) {
            case ANY -> port = nextPort++;
            case EVEN -> {
                port = (nextPort + 1) & ~1;
                nextPort = port + 1;
            }
            case EVEN_RESERVE_NEXT -> {
                port = (nextPort + 1) & ~1;
                nextPort = port + 2;
                reserved.put(request.reservationToken(), port + 1);
            }
            default -> {
                Integer held = reserved.remove(request.reservationToken());
                if (held == null) {
                    return new RelayResult.Unavailable("no such reservation");
                }
                port = held;
            }
        }
        InetAddress ip = request.family() == AddressFamilyAttribute.IPV4 ? ipv4 : ipv6;
        Handle handle = new Handle(handles.size(), new InetSocketAddress(ip, port));
        handles.add(handle);
        open++;
        return new RelayResult.Allocated(handle, handle.address());
    }

    @Override
    public void release(RelayHandle handle) {
        released.add(handle);
        open--;
    }

    @Override
    public void cancelReservation(long token) {
        cancelledReservations.add(token);
        reserved.remove(token);
    }

    Handle last() {
        return handles.get(handles.size() - 1);
    }

    int open() {
        return open;
    }
}
