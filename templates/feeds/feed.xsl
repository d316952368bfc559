{% load static %}<?xml version="1.0" encoding="utf-8"?>
<!-- Shown only when a person opens a feed in a browser; feed readers ignore it.
     Titles, dates and summaries only: article HTML is never injected into this page. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom">
  <xsl:output method="html" encoding="utf-8" doctype-system="about:legacy-compat"/>

  <xsl:variable name="title" select="/rss/channel/title | /atom:feed/atom:title"/>
  <xsl:variable name="home" select="/rss/channel/link | /atom:feed/atom:link[@rel='alternate']/@href"/>

  <xsl:template match="/">
    <html lang="{{ LANGUAGE_CODE|default:'en' }}">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> (feed)</title>
        <link rel="stylesheet" href="{% static 'css/site.css' %}"/>
        <link rel="stylesheet" href="{% static 'feeds/feed.css' %}"/>
      </head>
      <body>
        <main id="content" class="feed-preview">
          <aside class="feed-explainer">
            <p><strong>This is a web feed.</strong> Copy this page's address into a feed reader
              (NetNewsWire, Feedly, Thunderbird, Miniflux…) to get every new article, in full, as it is published.</p>
          </aside>
          <h1><xsl:value-of select="$title"/></h1>
          <p class="feed-description"><xsl:value-of select="/rss/channel/description | /atom:feed/atom:subtitle"/></p>
          <p><a href="{$home}">Visit the website</a></p>
          <ol class="feed-items">
            <xsl:apply-templates select="/rss/channel/item | /atom:feed/atom:entry"/>
          </ol>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item">
    <li>
      <h2><a href="{link}"><xsl:value-of select="title"/></a></h2>
      <p class="feed-date"><xsl:value-of select="pubDate"/></p>
      <p><xsl:value-of select="description"/></p>
    </li>
  </xsl:template>

  <xsl:template match="atom:entry">
    <li>
      <h2><a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a></h2>
      <p class="feed-date"><xsl:value-of select="substring(atom:published, 1, 10)"/></p>
      <p><xsl:value-of select="atom:summary"/></p>
    </li>
  </xsl:template>
</xsl:stylesheet>
