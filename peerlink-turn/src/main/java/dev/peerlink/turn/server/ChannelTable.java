package dev.peerlink.turn.server;

import dev.peerlink.turn.wire.ChannelData;

/**
 * Channels of one allocation by number, 0x4000–0x7FFF (RFC 8656's range, or RFC 5766's when the core accepts
 * it): a two-level table (256 blocks of 64, made on the first bind) whose blocks are made
 * when a channel is first bound in them, so lookup is two array reads and an allocation with few channels holds
 * one small block.
 */
final class ChannelTable {
    private static final int BLOCK_BITS = 6;
    private static final int BLOCK_SIZE = 1 << BLOCK_BITS;
    private static final int SLOTS = ChannelData.MAX_CHANNEL_RFC5766 - ChannelData.MIN_CHANNEL + 1;

    private Channel[][] blocks;

    Channel get(int number) {
        int slot = number - ChannelData.MIN_CHANNEL;
        if (slot < 0 || slot >= SLOTS || blocks == null) {
            return null;
        }
        Channel[] block = blocks[slot >>> BLOCK_BITS];
        return block == null ? null : block[slot & (BLOCK_SIZE - 1)];
    }

    void put(Channel channel) {
        int slot = channel.number - ChannelData.MIN_CHANNEL;
        if (blocks == null) {
            blocks = new Channel[SLOTS / BLOCK_SIZE][];
        }
        Channel[] block = blocks[slot >>> BLOCK_BITS];
        if (block == null) {
            block = new Channel[BLOCK_SIZE];
            blocks[slot >>> BLOCK_BITS] = block;
        }
        block[slot & (BLOCK_SIZE - 1)] = channel;
    }

    void remove(int number) {
        int slot = number - ChannelData.MIN_CHANNEL;
        if (blocks != null && blocks[slot >>> BLOCK_BITS] != null) {
            blocks[slot >>> BLOCK_BITS][slot & (BLOCK_SIZE - 1)] = null;
        }
    }
}
